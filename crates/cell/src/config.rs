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
        Ok(Self {
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
        })
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
    }

    #[test]
    fn durations_accept_units_and_bare_seconds() {
        assert_eq!(duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(duration("15"), Ok(Duration::from_secs(15)));
        assert!(duration("soon").is_err());
    }
}
