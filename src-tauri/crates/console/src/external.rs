//! Changes other processes make to the database — the command line's `user jit`, a token
//! revoked from a shell, a headless server on the same file — reach no channel of this
//! process, so the console looks for them: once a second it compares the store's change marker
//! (no query), and when it moved without anything of this process having been told, it says
//! so; the window then reloads what it shows.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, watch};

use scim_store::{EventLog, Store};

/// How often the marker is compared: changes from elsewhere show within about this long.
pub const EVERY: Duration = Duration::from_secs(1);

/// Starts watching; the returned sender's receivers hear of every change made elsewhere. The
/// watch ends when `stop` turns true or its sender is gone.
pub fn watch(
    store: Arc<dyn Store>,
    events: &EventLog,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) -> broadcast::Sender<()> {
    let (tx, _) = broadcast::channel(16);
    let notices = tx.clone();
    let mut ours = store.subscribe();
    let mut logged = events.subscribe();
    tokio::spawn(async move {
        let mut last = store.change_marker();
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                changed = stop.changed() => {
                    if changed.is_err() || *stop.borrow() {
                        return;
                    }
                }
            }
            // What this process committed was announced already (the window got it).
            let mut local = false;
            while !matches!(
                ours.try_recv(),
                Err(broadcast::error::TryRecvError::Empty | broadcast::error::TryRecvError::Closed)
            ) {
                local = true;
            }
            while !matches!(
                logged.try_recv(),
                Err(broadcast::error::TryRecvError::Empty | broadcast::error::TryRecvError::Closed)
            ) {
                local = true;
            }
            let now = store.change_marker();
            if now != last && !local {
                // Nobody listening is fine.
                let _ = notices.send(());
            }
            last = now;
        }
    });
    tx
}
