//! The drain of a shutdown: what every connection (and an upgraded socket) holds, so
//! that a shutdown can tell them to finish and wait until they have.

use tokio::sync::watch;

/// What a shutdown waits for: every connection (and anything else that holds a
/// [`Watcher`]) is told to finish, and the shutdown completes once all are gone.
pub(crate) struct Drain {
    tx: watch::Sender<bool>,
}

impl Drain {
    pub(crate) fn new() -> Self {
        Self {
            tx: watch::Sender::new(false),
        }
    }

    pub(crate) fn watcher(&self) -> Watcher {
        Watcher(self.tx.subscribe())
    }

    /// Tells every watcher to finish, and waits until all have been dropped.
    pub(crate) async fn shutdown(&self) {
        self.tx.send_replace(true);
        self.tx.closed().await;
    }
}

/// Held by work a shutdown waits for.
#[derive(Clone)]
pub(crate) struct Watcher(watch::Receiver<bool>);

impl Watcher {
    /// Completes once a shutdown has started.
    pub(crate) async fn stopping(&mut self) {
        // An error means the drain is gone: nothing is waiting any more.
        let _ = self.0.wait_for(|stopping| *stopping).await;
    }
}
