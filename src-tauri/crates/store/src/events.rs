//! The event log writer: requests are recorded off the request path, in batches.
//!
//! Every SCIM request is logged, reads included, so writing each one in its own transaction
//! would put a disk write on every lookup. Events go through a channel to one task that
//! writes what gathers in up to [`LINGER`] in one transaction. Each commit also makes every
//! read connection drop its page cache (SQLite resets it when the file changed), so few
//! commits keep lookups cheap as well as the disk quiet.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::error::TryRecvError;
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::time::Instant;

use crate::{NewEvent, Store};

const BATCH: usize = 512;
/// How long the writer waits for more events after the first before it commits.
const LINGER: Duration = Duration::from_millis(50);
/// The log keeps the newest this many events; older ones are pruned as new ones arrive.
pub const RETAINED_EVENTS: u64 = 200_000;
/// Pruning runs after about this many new events, so it stays off the common path.
const PRUNE_EVERY: usize = 10_000;

enum Msg {
    Event(Box<NewEvent>),
    Flush(oneshot::Sender<()>),
}

/// A handle to the event log writer; cheap to clone.
#[derive(Clone)]
pub struct EventLog {
    tx: mpsc::UnboundedSender<Msg>,
    written: broadcast::Sender<usize>,
}

impl EventLog {
    /// Starts the writer task on the current runtime.
    pub fn start(store: Arc<dyn Store>) -> EventLog {
        let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
        let (written, _) = broadcast::channel(64);
        let notify = written.clone();
        tokio::spawn(async move {
            let mut batch: Vec<NewEvent> = Vec::with_capacity(BATCH);
            let mut waiters: Vec<oneshot::Sender<()>> = Vec::new();
            let mut since_prune = 0usize;
            while let Some(first) = rx.recv().await {
                let deadline = Instant::now() + LINGER;
                let mut next = Some(first);
                // Gather for a while, up to a batch; a flush asked for ends the wait.
                while let Some(msg) = next.take() {
                    match msg {
                        Msg::Event(e) => batch.push(*e),
                        Msg::Flush(w) => waiters.push(w),
                    }
                    if batch.len() >= BATCH || !waiters.is_empty() {
                        break;
                    }
                    next = match rx.try_recv() {
                        Ok(m) => Some(m),
                        Err(TryRecvError::Disconnected) => None,
                        Err(TryRecvError::Empty) => tokio::time::timeout_at(deadline, rx.recv())
                            .await
                            .ok()
                            .flatten(),
                    };
                }
                if !batch.is_empty() {
                    // A failed write must not stop the log; retry once, then report.
                    if let Err(e) = store.append_events(&batch).await {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        if let Err(e2) = store.append_events(&batch).await {
                            tracing::error!(error = %e, retry_error = %e2, lost = batch.len(), "could not write the event log");
                        }
                    }
                    // Live views re-read the log from the last event they have.
                    let _ = notify.send(batch.len());
                    since_prune += batch.len();
                    batch.clear();
                    if since_prune >= PRUNE_EVERY {
                        since_prune = 0;
                        if let Err(e) = store.prune_events(RETAINED_EVENTS).await {
                            tracing::warn!(error = %e, "could not prune the event log");
                        }
                    }
                }
                for w in waiters.drain(..) {
                    let _ = w.send(());
                }
            }
        });
        EventLog { tx, written }
    }

    /// Tells of every batch written to the log (how many events it held).
    pub fn subscribe(&self) -> broadcast::Receiver<usize> {
        self.written.subscribe()
    }

    pub fn record(&self, event: NewEvent) {
        // The writer only stops with the runtime; an event sent after that has nowhere to go.
        let _ = self.tx.send(Msg::Event(Box::new(event)));
    }

    /// Waits until everything recorded so far is written.
    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Msg::Flush(tx)).is_ok() {
            let _ = rx.await;
        }
    }
}
