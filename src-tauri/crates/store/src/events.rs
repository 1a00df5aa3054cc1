//! The event log writer: requests are recorded off the request path, in batches.
//!
//! Reads are logged too, so writing each one in its own transaction would put a disk write on
//! every lookup. Events go through a channel to one task that writes what gathers in up to
//! [`LINGER`] in one transaction. Each commit also makes every read connection drop its page
//! cache (SQLite resets it when the file changed), so few commits keep lookups cheap as well
//! as the disk quiet. A request that changes a user does not come through here: its entry is
//! written in the change's own transaction (see `ChangeContext::request`).
//!
//! Requests without a valid token and throttled requests are *folded*: the first of a minute
//! from one address (and token) is written as it comes, the rest of that minute become one
//! entry with their count when the minute is over. A flood therefore writes a few entries a
//! minute per address, and those are retained within a budget of their own.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::error::TryRecvError;
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::time::Instant;

use crate::{NewEvent, Store};

const BATCH: usize = 512;
/// How long the writer waits for more events after the first before it commits.
const LINGER: Duration = Duration::from_millis(50);
/// How often folded counts are looked at while nothing else arrives.
const FOLD_TICK: Duration = Duration::from_secs(5);
/// Folds kept open at once; beyond, new addresses share one fold per status and minute.
const MAX_FOLDS: usize = 10_000;
/// Pruning runs after about this many new events, so it stays off the common path.
const PRUNE_EVERY: usize = 10_000;

/// How much of the log is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// The newest this many entries.
    pub rows: u64,
    /// Of which folded entries (no valid token, throttled): at most this many.
    pub aggregated_rows: u64,
    /// And the newest entries that fit in this many bytes.
    pub bytes: u64,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            rows: 200_000,
            aggregated_rows: 20_000,
            bytes: 256 * 1024 * 1024,
        }
    }
}

enum Msg {
    Event(Box<NewEvent>),
    Folded(Box<NewEvent>),
    /// Entries written in the transactions of changes: counted towards pruning and told to
    /// live views.
    Elsewhere(usize),
    Flush(oneshot::Sender<()>),
}

/// What folded requests share: the minute, the answer, who sent them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct FoldKey {
    minute: String,
    status: u16,
    address: Option<String>,
    token_id: Option<i64>,
    simulated: bool,
}

/// A fold open for the current minute: the latest request and how many came after the first.
struct Fold {
    latest: NewEvent,
    more: u64,
}

/// A handle to the event log writer; cheap to clone.
#[derive(Clone)]
pub struct EventLog {
    tx: mpsc::UnboundedSender<Msg>,
    written: broadcast::Sender<usize>,
}

struct Writer {
    store: Arc<dyn Store>,
    retention: Retention,
    batch: Vec<NewEvent>,
    folds: HashMap<FoldKey, Fold>,
    since_prune: usize,
    notify: broadcast::Sender<usize>,
}

impl Writer {
    fn take(&mut self, msg: Msg, waiters: &mut Vec<oneshot::Sender<()>>) {
        match msg {
            Msg::Event(e) => self.batch.push(*e),
            Msg::Folded(e) => self.fold(*e),
            Msg::Elsewhere(n) => {
                self.since_prune += n;
                let _ = self.notify.send(n);
            }
            Msg::Flush(w) => {
                // Everything recorded so far is to be written, open folds included.
                self.close_folds(None);
                waiters.push(w);
            }
        }
    }

    fn fold(&mut self, mut e: NewEvent) {
        e.aggregated = true;
        let mut key = FoldKey {
            minute: e.at.chars().take(16).collect(),
            status: e.status,
            address: e.address.clone(),
            token_id: e.token_id,
            simulated: e.simulated,
        };
        if !self.folds.contains_key(&key) && self.folds.len() >= MAX_FOLDS {
            key.address = None;
            key.token_id = None;
        }
        match self.folds.get_mut(&key) {
            Some(f) => {
                f.more += 1;
                f.latest = e;
            }
            None => {
                e.count = 1;
                self.batch.push(e.clone());
                self.folds.insert(key, Fold { latest: e, more: 0 });
            }
        }
    }

    /// Writes the counts of folds from minutes before `current` (all of them when `None`).
    fn close_folds(&mut self, current: Option<&str>) {
        let done: Vec<FoldKey> = self
            .folds
            .keys()
            .filter(|k| current.is_none_or(|c| k.minute.as_str() < c))
            .cloned()
            .collect();
        for k in done {
            if let Some(f) = self.folds.remove(&k) {
                if f.more > 0 {
                    let mut e = f.latest;
                    e.count = f.more;
                    if k.address.is_none() && e.address.is_some() {
                        e.address = Some("(many addresses)".to_owned());
                    }
                    self.batch.push(e);
                }
            }
        }
    }

    async fn commit(&mut self) {
        if !self.batch.is_empty() {
            // A failed write must not stop the log; retry once, then report.
            if let Err(e) = self.store.append_events(&self.batch).await {
                tokio::time::sleep(Duration::from_millis(50)).await;
                if let Err(e2) = self.store.append_events(&self.batch).await {
                    tracing::error!(error = %e, retry_error = %e2, lost = self.batch.len(), "could not write the event log");
                }
            }
            // Live views re-read the log from the last event they have.
            let _ = self.notify.send(self.batch.len());
            self.since_prune += self.batch.len();
            self.batch.clear();
        }
        if self.since_prune >= PRUNE_EVERY {
            self.since_prune = 0;
            if let Err(e) = self.store.prune_events(&self.retention).await {
                tracing::warn!(error = %e, "could not prune the event log");
            }
        }
    }
}

impl EventLog {
    /// Starts the writer task on the current runtime, keeping the default [`Retention`].
    pub fn start(store: Arc<dyn Store>) -> EventLog {
        Self::start_with(store, Retention::default())
    }

    pub fn start_with(store: Arc<dyn Store>, retention: Retention) -> EventLog {
        let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
        let (written, _) = broadcast::channel(64);
        let mut w = Writer {
            store,
            retention,
            batch: Vec::with_capacity(BATCH),
            folds: HashMap::new(),
            since_prune: 0,
            notify: written.clone(),
        };
        tokio::spawn(async move {
            let mut waiters: Vec<oneshot::Sender<()>> = Vec::new();
            loop {
                let first = if w.folds.is_empty() {
                    rx.recv().await
                } else {
                    match tokio::time::timeout(FOLD_TICK, rx.recv()).await {
                        Ok(m) => m,
                        Err(_) => {
                            w.close_folds(Some(&crate::now()[..16]));
                            w.commit().await;
                            continue;
                        }
                    }
                };
                let Some(first) = first else {
                    w.close_folds(None);
                    w.commit().await;
                    break;
                };
                let deadline = Instant::now() + LINGER;
                let mut next = Some(first);
                // Gather for a while, up to a batch; a flush asked for ends the wait.
                while let Some(msg) = next.take() {
                    w.take(msg, &mut waiters);
                    if w.batch.len() >= BATCH || !waiters.is_empty() {
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
                w.close_folds(Some(&crate::now()[..16]));
                w.commit().await;
                for waiter in waiters.drain(..) {
                    let _ = waiter.send(());
                }
            }
        });
        EventLog { tx, written }
    }

    /// Tells of every batch written to the log (how many events it held).
    pub fn subscribe(&self) -> broadcast::Receiver<usize> {
        self.written.subscribe()
    }

    /// The sender of those notices, for one who tells of the same kind of news.
    pub fn notices(&self) -> broadcast::Sender<usize> {
        self.written.clone()
    }

    pub fn record(&self, mut event: NewEvent) {
        // Bounded before it waits in the queue or in a fold, not only when it is written.
        crate::bounds::bound_event(&mut event);
        // The writer only stops with the runtime; an event sent after that has nowhere to go.
        let _ = self.tx.send(Msg::Event(Box::new(event)));
    }

    /// Records a request without a valid token or over the rate limit, folded with others
    /// like it (see the module's documentation).
    pub fn record_folded(&self, mut event: NewEvent) {
        crate::bounds::bound_event(&mut event);
        let _ = self.tx.send(Msg::Folded(Box::new(event)));
    }

    /// Tells of entries written elsewhere (in the transactions of changes): live views hear
    /// of them, and they count towards pruning.
    pub fn written_elsewhere(&self, n: usize) {
        let _ = self.tx.send(Msg::Elsewhere(n));
    }

    /// Waits until everything recorded so far is written, folded counts included.
    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Msg::Flush(tx)).is_ok() {
            let _ = rx.await;
        }
    }
}
