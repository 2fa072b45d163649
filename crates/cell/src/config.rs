//! Runtime configuration, read once from the environment (12-factor).
//!
//! Every variable is optional and has a documented default; a variable that is
//! set but cannot be parsed stops the process at start with a message naming
//! the variable and the value, rather than silently falling back.

use std::net::IpAddr;
use std::time::Duration;

/// How a cell's HTTP server behaves. One value per cell; `vpm up` builds four.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeConfig {
    /// `PORT`: the TCP port to listen on (Knative sets it).
    pub port: u16,
    /// `VPM_HOST`: the address to bind, `0.0.0.0` by default.
    pub host: IpAddr,
    /// `VPM_MAX_BODY_BYTES`: the largest request body accepted (413 above it).
    pub max_body_bytes: usize,
    /// `VPM_REQUEST_TIMEOUT`: how long one request may run before it is
    /// answered with 503.
    pub request_timeout: Duration,
    /// `VPM_CONCURRENCY_LIMIT`: requests served at once on the cell's own
    /// routes; the excess is shed at once with 503 and `Retry-After`.
    pub concurrency_limit: usize,
    /// `VPM_DRAIN_DELAY`: after SIGTERM, how long to keep accepting while
    /// `/readyz` says 503, so that load balancers stop routing here first.
    pub drain_delay: Duration,
    /// `VPM_SHUTDOWN_GRACE`: after the listener closes, how long in-flight
    /// requests get to finish before the process exits anyway.
    pub shutdown_grace: Duration,
    /// `VPM_DEBUG_ROUTES`: expose `/v1/debug/sleep` (tests and drills only).
    pub debug_routes: bool,
    /// `VPM_HEADER_READ_TIMEOUT`: how long a client has to send a complete
    /// request head, counted from the connection's start or from the first
    /// byte of a later request; a connection that overruns it is closed.
    pub header_read_timeout: Duration,
    /// `VPM_IDLE_TIMEOUT`: how long a kept-alive connection may wait for its
    /// next request after a response before it is closed.
    pub idle_timeout: Duration,
    /// `VPM_MAX_CONNECTIONS`: connections open at once; at the cap the cell
    /// stops accepting (new clients wait in the kernel's backlog) until one
    /// closes, and keeps serving those it has.
    pub max_connections: usize,
    /// `VPM_BODY_TIMEOUT`: how long the whole request body may take to
    /// arrive, counted from the end of the head; a slower body is answered
    /// 408 (`body_timeout`) and its connection closed.
    pub body_timeout: Duration,
    /// `VPM_MAX_HEADER_BYTES`: the largest request head (every header name
    /// and value); above it: 431 (`headers_too_large`).
    pub max_header_bytes: usize,
    /// `VPM_METRICS_PORT`: when set, a second listener on this port serves
    /// `GET /metrics` and nothing else, for scrapers that must not reach the
    /// cell's routes. Unset: no second listener.
    pub metrics_port: Option<u16>,
    /// `VPM_MAX_BODY_MEMORY`: bytes of request bodies the cell holds at
    /// once, across every request on its own routes (received and not yet
    /// answered); a body that would pass it is shed with 503 `overloaded`.
    /// Bodies are received before a concurrency slot is taken, so without
    /// this bound their memory grew with the connections, not the slots.
    /// Default: four largest bodies (`4 × VPM_MAX_BODY_BYTES`).
    pub max_body_memory: usize,
}

/// A set-but-unusable environment variable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("environment variable {name}={value:?} is invalid: {reason}")]
pub struct ConfigError {
    pub name: String,
    pub value: String,
    pub reason: String,
}

impl RuntimeConfig {
    pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
    pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
    pub const DEFAULT_CONCURRENCY_LIMIT: usize = 256;
    pub const DEFAULT_DRAIN_DELAY: Duration = Duration::ZERO;
    pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(20);
    pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
    pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
    pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;
    pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);
    pub const DEFAULT_MAX_HEADER_BYTES: usize = 16 * 1024;
    /// The largest `VPM_MAX_HEADER_BYTES` accepted: the connection's read
    /// buffer is sized from it, per connection.
    pub const MAX_MAX_HEADER_BYTES: usize = 1024 * 1024;

    /// Defaults for a cell listening on `port`, ignoring the environment.
    pub fn defaults(port: u16) -> Self {
        Self {
            port,
            host: IpAddr::from([0, 0, 0, 0]),
            max_body_bytes: Self::DEFAULT_MAX_BODY_BYTES,
            request_timeout: Self::DEFAULT_REQUEST_TIMEOUT,
            concurrency_limit: Self::DEFAULT_CONCURRENCY_LIMIT,
            drain_delay: Self::DEFAULT_DRAIN_DELAY,
            shutdown_grace: Self::DEFAULT_SHUTDOWN_GRACE,
            debug_routes: false,
            header_read_timeout: Self::DEFAULT_HEADER_READ_TIMEOUT,
            idle_timeout: Self::DEFAULT_IDLE_TIMEOUT,
            max_connections: Self::DEFAULT_MAX_CONNECTIONS,
            body_timeout: Self::DEFAULT_BODY_TIMEOUT,
            max_header_bytes: Self::DEFAULT_MAX_HEADER_BYTES,
            metrics_port: None,
            max_body_memory: 4 * Self::DEFAULT_MAX_BODY_BYTES,
        }
    }

    /// Reads the process environment; `default_port` applies when `PORT` is unset.
    pub fn from_env(default_port: u16) -> Result<Self, ConfigError> {
        Self::from_lookup(default_port, |name| std::env::var(name).ok())
    }

    /// Same as [`RuntimeConfig::from_env`] with an injectable lookup, so tests
    /// need not touch the process environment.
    pub fn from_lookup(
        default_port: u16,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let defaults = Self::defaults(default_port);
        let positive = |n: usize| (n > 0).then_some(n).ok_or("must be at least 1");
        let mut config = Self {
            port: parse(&lookup, "PORT", defaults.port, |v| {
                v.parse::<u16>().map_err(|e| e.to_string())
            })?,
            host: parse(&lookup, "VPM_HOST", defaults.host, |v| {
                v.parse::<IpAddr>().map_err(|e| e.to_string())
            })?,
            max_body_bytes: parse(
                &lookup,
                "VPM_MAX_BODY_BYTES",
                defaults.max_body_bytes,
                |v| {
                    let n = v.parse::<usize>().map_err(|e| e.to_string())?;
                    positive(n).map_err(str::to_owned)
                },
            )?,
            request_timeout: parse(
                &lookup,
                "VPM_REQUEST_TIMEOUT",
                defaults.request_timeout,
                nonzero_duration,
            )?,
            concurrency_limit: parse(
                &lookup,
                "VPM_CONCURRENCY_LIMIT",
                defaults.concurrency_limit,
                |v| {
                    let n = v.parse::<usize>().map_err(|e| e.to_string())?;
                    positive(n).map_err(str::to_owned)
                },
            )?,
            drain_delay: parse(&lookup, "VPM_DRAIN_DELAY", defaults.drain_delay, duration)?,
            shutdown_grace: parse(
                &lookup,
                "VPM_SHUTDOWN_GRACE",
                defaults.shutdown_grace,
                duration,
            )?,
            debug_routes: parse(&lookup, "VPM_DEBUG_ROUTES", defaults.debug_routes, boolean)?,
            header_read_timeout: parse(
                &lookup,
                "VPM_HEADER_READ_TIMEOUT",
                defaults.header_read_timeout,
                nonzero_duration,
            )?,
            idle_timeout: parse(
                &lookup,
                "VPM_IDLE_TIMEOUT",
                defaults.idle_timeout,
                nonzero_duration,
            )?,
            max_connections: parse(
                &lookup,
                "VPM_MAX_CONNECTIONS",
                defaults.max_connections,
                |v| {
                    let n = v.parse::<usize>().map_err(|e| e.to_string())?;
                    positive(n).map_err(str::to_owned)
                },
            )?,
            body_timeout: parse(
                &lookup,
                "VPM_BODY_TIMEOUT",
                defaults.body_timeout,
                nonzero_duration,
            )?,
            max_header_bytes: parse(
                &lookup,
                "VPM_MAX_HEADER_BYTES",
                defaults.max_header_bytes,
                |v| {
                    let n = v.parse::<usize>().map_err(|e| e.to_string())?;
                    if !(1024..=Self::MAX_MAX_HEADER_BYTES).contains(&n) {
                        return Err(format!(
                            "must be between 1024 and {}",
                            Self::MAX_MAX_HEADER_BYTES
                        ));
                    }
                    Ok(n)
                },
            )?,
            metrics_port: parse(&lookup, "VPM_METRICS_PORT", defaults.metrics_port, |v| {
                v.parse::<u16>().map(Some).map_err(|e| e.to_string())
            })?,
            max_body_memory: 0,
        };
        let max_body = config.max_body_bytes;
        config.max_body_memory = parse(
            &lookup,
            "VPM_MAX_BODY_MEMORY",
            max_body.saturating_mul(4),
            |v| {
                let n = v.parse::<usize>().map_err(|e| e.to_string())?;
                if n < max_body {
                    return Err(format!(
                        "must be at least VPM_MAX_BODY_BYTES ({max_body}), or no body of the largest size could ever be admitted"
                    ));
                }
                Ok(n)
            },
        )?;
        Ok(config)
    }
}

fn parse<T>(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: T,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<T, ConfigError> {
    match lookup(name) {
        None => Ok(default),
        Some(value) if value.trim().is_empty() => Ok(default),
        Some(value) => parse(value.trim()).map_err(|reason| ConfigError {
            name: name.to_owned(),
            value,
            reason,
        }),
    }
}

/// Parses `"250ms"`, `"30s"`, `"2m"`, or a bare number of seconds.
pub fn duration(value: &str) -> Result<Duration, String> {
    if let Ok(secs) = value.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    humantime::parse_duration(value)
        .map_err(|e| format!("{e} (expected a duration such as 500ms, 30s or 2m)"))
}

fn nonzero_duration(value: &str) -> Result<Duration, String> {
    let d = duration(value)?;
    if d.is_zero() {
        return Err("must be longer than zero".to_owned());
    }
    Ok(d)
}

/// Parses the usual spellings of a boolean flag.
pub fn boolean(value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err("expected true or false".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<RuntimeConfig, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        RuntimeConfig::from_lookup(8002, |k| vars.get(k).cloned())
    }

    #[test]
    fn unset_variables_give_the_documented_defaults() {
        assert_eq!(config(&[]), Ok(RuntimeConfig::defaults(8002)));
    }

    #[test]
    fn port_comes_first_from_the_environment() {
        let cfg = config(&[("PORT", "9090"), ("VPM_REQUEST_TIMEOUT", "250ms")]).unwrap();
        assert_eq!(cfg.port, 9090);
        assert_eq!(cfg.request_timeout, Duration::from_millis(250));
    }

    #[test]
    fn a_bad_value_names_the_variable_and_the_value() {
        let err = config(&[("VPM_CONCURRENCY_LIMIT", "lots")]).unwrap_err();
        assert_eq!(err.name, "VPM_CONCURRENCY_LIMIT");
        assert_eq!(err.value, "lots");
        assert!(err.to_string().contains("VPM_CONCURRENCY_LIMIT=\"lots\""));
        assert!(config(&[("VPM_CONCURRENCY_LIMIT", "0")]).is_err());
        assert!(config(&[("PORT", "70000")]).is_err());
        assert!(config(&[("VPM_REQUEST_TIMEOUT", "0s")]).is_err());
        assert!(config(&[("VPM_DEBUG_ROUTES", "maybe")]).is_err());
        assert!(config(&[("VPM_IDLE_TIMEOUT", "0")]).is_err());
        assert!(config(&[("VPM_MAX_CONNECTIONS", "0")]).is_err());
        assert!(config(&[("VPM_MAX_HEADER_BYTES", "100")]).is_err());
        assert!(config(&[("VPM_METRICS_PORT", "metrics")]).is_err());
    }

    #[test]
    fn connection_settings_are_read_and_the_metrics_port_is_off_unless_set() {
        assert_eq!(config(&[]).unwrap().metrics_port, None);
        let cfg = config(&[
            ("VPM_HEADER_READ_TIMEOUT", "300ms"),
            ("VPM_IDLE_TIMEOUT", "2s"),
            ("VPM_MAX_CONNECTIONS", "64"),
            ("VPM_BODY_TIMEOUT", "5"),
            ("VPM_MAX_HEADER_BYTES", "8192"),
            ("VPM_METRICS_PORT", "9090"),
        ])
        .unwrap();
        assert_eq!(cfg.header_read_timeout, Duration::from_millis(300));
        assert_eq!(cfg.idle_timeout, Duration::from_secs(2));
        assert_eq!(cfg.max_connections, 64);
        assert_eq!(cfg.body_timeout, Duration::from_secs(5));
        assert_eq!(cfg.max_header_bytes, 8192);
        assert_eq!(cfg.metrics_port, Some(9090));
        let err = config(&[("VPM_BODY_TIMEOUT", "0s")]).unwrap_err();
        assert_eq!(err.name, "VPM_BODY_TIMEOUT");
    }

    #[test]
    fn durations_accept_units_and_bare_seconds() {
        assert_eq!(duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(duration("15"), Ok(Duration::from_secs(15)));
        assert!(duration("soon").is_err());
    }
}
