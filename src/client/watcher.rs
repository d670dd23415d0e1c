//! The one list-watch loop of ork's clients: [`watcher`] lists a kind,
//! watches from the list's revision, resumes a watch that ends from the last
//! revision it saw, and lists again (after a [`Backoff`]) when the watch
//! fails or its revision has expired (410). Every long-lived reader of the
//! API (the node daemon's pods, its service proxy and volumes, the
//! dashboard) consumes its [`Change`]s instead of writing the loop again.
//!
//! # Guarantees
//!
//! - The first item that is not [`Change::Failed`] is a [`Change::Listed`]
//!   with every object that matched at one revision; every later change is
//!   one after that revision, in order.
//! - After any gap (a failed or expired watch) the next object change is
//!   preceded by a fresh [`Change::Listed`]: replacing what one holds with it
//!   makes up for whatever was missed.
//! - The stream never ends by itself; drop it to stop.
//!
//! # Caveats
//!
//! - A watch that ends cleanly (the server's timeout) is resumed from the
//!   last revision seen without listing again; one that ends at once with
//!   nothing seen waits a backoff first, so a server that keeps closing
//!   watches is not hammered.

use super::{Client, ClientError, ListParams, WatchEvent, WatchEventType};
use crate::api::{AnyObject, Kind};
use crate::backoff::Backoff;
use futures::stream::{BoxStream, Stream, StreamExt};
use std::time::{Duration, Instant};

/// How long the watcher waits after its first failure; it doubles up to [`MAX_DELAY`].
pub const FIRST_DELAY: Duration = Duration::from_millis(250);
/// The longest wait between attempts.
pub const MAX_DELAY: Duration = Duration::from_secs(1);

/// What a [`watcher`] saw.
#[derive(Debug)]
pub enum Change {
    /// Every object that matches, at one revision: replace what you hold.
    Listed(Vec<AnyObject>),
    /// An object was created or changed (its new state).
    Applied(AnyObject),
    /// An object was deleted (its last state).
    Deleted(AnyObject),
    /// Listing or watching failed; the watcher waits and lists again.
    Failed(ClientError),
}

enum Phase {
    /// List (after waiting this long).
    List(Duration),
    /// Open a watch from this revision (after waiting this long).
    Watch(u64, Duration),
    /// Read the open watch; it was opened at this instant, from this revision.
    Read(BoxStream<'static, super::Result<WatchEvent>>, Instant, u64),
}

struct State {
    client: Client,
    kind: Kind,
    namespace: Option<String>,
    params: ListParams,
    backoff: Backoff,
    phase: Phase,
}

/// Lists then watches `kind` (in `namespace`, or all; filtered by `params`'
/// selectors) forever, as the module documentation says.
pub fn watcher(
    client: Client,
    kind: Kind,
    namespace: Option<&str>,
    params: ListParams,
) -> impl Stream<Item = Change> + Send + 'static {
    let st = State {
        client,
        kind,
        namespace: namespace.map(str::to_string),
        params,
        backoff: Backoff::new(FIRST_DELAY, MAX_DELAY),
        phase: Phase::List(Duration::ZERO),
    };
    futures::stream::unfold(st, |mut st| async move {
        let change = st.step().await;
        Some((change, st))
    })
}

impl State {
    async fn step(&mut self) -> Change {
        loop {
            let phase = std::mem::replace(&mut self.phase, Phase::List(Duration::ZERO));
            match phase {
                Phase::List(wait) => {
                    tokio::time::sleep(wait).await;
                    match self
                        .client
                        .list_any(self.kind, self.namespace.as_deref(), &self.params)
                        .await
                    {
                        Ok(list) => {
                            self.phase = Phase::Watch(list.resource_version, Duration::ZERO);
                            return Change::Listed(list.items);
                        }
                        Err(e) => {
                            self.phase = Phase::List(self.backoff.next_delay());
                            return Change::Failed(e);
                        }
                    }
                }
                Phase::Watch(rv, wait) => {
                    tokio::time::sleep(wait).await;
                    match self
                        .client
                        .watch(self.kind, self.namespace.as_deref(), &self.params, Some(rv))
                        .await
                    {
                        Ok(s) => self.phase = Phase::Read(s, Instant::now(), rv),
                        Err(e) => {
                            if let Some(c) = self.failed(e) {
                                return c;
                            }
                        }
                    }
                }
                Phase::Read(mut s, opened, rv) => match s.next().await {
                    Some(Ok(ev)) => {
                        self.backoff.reset();
                        let rv = rv.max(ev.resource_version);
                        let (type_, obj) = (ev.type_, ev.object);
                        self.phase = Phase::Read(s, opened, rv);
                        match (type_, obj) {
                            (WatchEventType::Deleted, Some(o)) => return Change::Deleted(o),
                            (WatchEventType::Added | WatchEventType::Modified, Some(o)) => {
                                return Change::Applied(o);
                            }
                            _ => {}
                        }
                    }
                    Some(Err(e)) => {
                        if let Some(c) = self.failed(e) {
                            return c;
                        }
                    }
                    None => {
                        // Ended cleanly: resume from where it was, waiting
                        // first if it ended at once without a word.
                        let wait = if opened.elapsed() < Duration::from_secs(1) {
                            self.backoff.next_delay()
                        } else {
                            Duration::ZERO
                        };
                        self.phase = Phase::Watch(rv, wait);
                    }
                },
            }
        }
    }

    /// A failed watch: list again, at once and silently when its revision
    /// merely expired (routine), after a backoff and reporting it otherwise.
    fn failed(&mut self, e: ClientError) -> Option<Change> {
        if e.code() == Some(410) {
            self.phase = Phase::List(Duration::ZERO);
            return None;
        }
        self.phase = Phase::List(self.backoff.next_delay());
        Some(Change::Failed(e))
    }
}
