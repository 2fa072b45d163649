//! Readiness and shutdown: the state `/readyz` and `hello_ai_up` report, and
//! the signal that starts a drain.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::future::BoxFuture;
use tokio::sync::watch;

use crate::metrics::CellMetrics;

/// A cell-specific readiness check (the archivist asks its database).
pub type ReadinessCheck = Arc<dyn Fn() -> BoxFuture<'static, Result<(), String>> + Send + Sync>;

/// Whether a cell is serving or draining.
#[derive(Debug)]
pub struct Lifecycle {
    draining: AtomicBool,
    metrics: Arc<CellMetrics>,
}

impl Lifecycle {
    pub fn new(metrics: Arc<CellMetrics>) -> Self {
        metrics.set_up(true);
        Self {
            draining: AtomicBool::new(false),
            metrics,
        }
    }

    /// Marks the cell not-ready and `hello_ai_up` 0, at once and for good.
    pub fn begin_drain(&self) {
        self.draining.store(true, Ordering::SeqCst);
        self.metrics.set_up(false);
    }

    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }
}

/// A shutdown request shared by every cell of the process: `vpm up` drains
/// all four cells on one signal.
#[derive(Debug, Clone)]
pub struct Shutdown {
    rx: watch::Receiver<bool>,
}

/// The sending side of [`Shutdown`].
#[derive(Debug, Clone)]
pub struct ShutdownTrigger {
    tx: Arc<watch::Sender<bool>>,
}

impl ShutdownTrigger {
    pub fn trigger(&self) {
        let _ = self.tx.send(true);
    }
}

impl Shutdown {
    /// A shutdown that only fires when the returned trigger is pulled.
    pub fn manual() -> (ShutdownTrigger, Shutdown) {
        let (tx, rx) = watch::channel(false);
        (ShutdownTrigger { tx: Arc::new(tx) }, Shutdown { rx })
    }

    /// A shutdown fired by SIGTERM or SIGINT (Ctrl-C).
    ///
    /// Installing our own handlers matters when the binary runs as PID 1 in
    /// a container: the kernel ignores signals PID 1 has no handler for, so
    /// without this `docker stop` / the kubelet would have to SIGKILL us.
    pub fn on_signals() -> std::io::Result<Shutdown> {
        let (trigger, shutdown) = Self::manual();
        #[cfg(unix)]
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::spawn(async move {
            #[cfg(unix)]
            let name = tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = tokio::signal::ctrl_c() => "SIGINT",
            };
            #[cfg(not(unix))]
            let name = {
                let _ = tokio::signal::ctrl_c().await;
                "ctrl-c"
            };
            tracing::info!(signal = name, "shutdown requested");
            trigger.trigger();
        });
        Ok(shutdown)
    }

    /// Resolves once shutdown has been requested (at once if it already was).
    pub async fn requested(&self) {
        let mut rx = self.rx.clone();
        // An error means every trigger is gone; nobody can ask to stop any
        // more, so waiting forever is the honest answer.
        if rx.wait_for(|stop| *stop).await.is_err() {
            std::future::pending::<()>().await;
        }
    }

    pub fn is_requested(&self) -> bool {
        *self.rx.borrow()
    }
}
