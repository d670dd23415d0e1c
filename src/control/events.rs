//! Recording Events from inside store transactions, and keeping their
//! number bounded whatever a workload does. The rules are Kubernetes' own
//! (client-go's `EventCorrelator`, the API server's `--event-ttl`):
//!
//! - **Repeats** of the same event (same object, reason and message) bump
//!   `count` and `lastTimestamp` of one Event instead of piling up new ones.
//! - **Similar events** (same source, object, type and reason, different
//!   messages): from the 10th distinct message within 10 minutes on, they
//!   are folded into one Event `(combined from similar events): <latest>`
//!   whose count grows.
//! - **Rate limit** per source and object: a token bucket of 25, refilled by
//!   one every 5 minutes; what finds it empty is dropped.
//! - **TTL**: an Event is deleted once its last occurrence is older than the
//!   TTL (default 1 h, `--event-ttl`).
//! - **Cap**: an Event that would pass `--max-events` (default 10,000) in
//!   the cluster first evicts the oldest (by last occurrence) down to 90 %
//!   of the cap, in its own transaction, whoever creates it (the control
//!   daemon, or a node or client through the API): the keeper gives its
//!   store a hook that runs before every Event create. The count is the
//!   store's, exact, so no transaction leaves more than the cap.
//!
//! The correlation state lives in this process, as client-go keeps it in
//! each client; it is bounded ([`TRACKED`] keys). This module reads and
//! writes through the store's public API only.

use crate::api::hash::fnv64a;
use crate::api::{Event, EventSource, Kind, Object, ObjectReference, Time, new_object};
use crate::control::store::{Preconditions, Store, StoreError, Subresource, Tx};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// `Normal` or `Warning`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    Normal,
    Warning,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }
}

/// A reference to an object, as events carry it.
pub fn reference<T: Object>(obj: &T) -> ObjectReference {
    let m = obj.meta();
    ObjectReference {
        api_version: T::KIND.api_version().to_string(),
        kind: T::KIND.as_str().to_string(),
        namespace: m.namespace.clone(),
        name: m.name.clone(),
        uid: m.uid.clone(),
        ..Default::default()
    }
}

/// Who records events: the `source.component` they carry
/// (`deployment-controller`).
#[derive(Clone, Copy, Debug)]
pub struct Recorder(pub &'static str);

impl Recorder {
    /// Records (or bumps) an event about `obj`, as [`record`] does.
    pub fn record<T: Object>(
        self,
        tx: &mut Tx<'_>,
        obj: &T,
        type_: EventType,
        reason: &str,
        message: &str,
    ) -> Result<(), StoreError> {
        record(tx, &reference(obj), type_, reason, message, self.0)
    }
}

const MAX_MESSAGE: usize = 1024;

/// The name an event gets: the object's name and a hash of what happened, so
/// repeats land on the same Event.
pub fn event_name(obj: &ObjectReference, reason: &str, message: &str) -> String {
    let key = format!(
        "{}\0{}\0{}\0{reason}\0{message}",
        obj.kind, obj.namespace, obj.uid
    );
    let base: String = obj.name.chars().take(200).collect();
    format!("{base}.{:016x}", fnv64a(key.as_bytes()))
}

/// Records (or bumps) an event about `obj`, unless the rate limit for its
/// source and object is spent; similar events may be folded into one.
pub fn record(
    tx: &mut Tx<'_>,
    obj: &ObjectReference,
    type_: EventType,
    reason: &str,
    message: &str,
    component: &str,
) -> Result<(), StoreError> {
    let mut message = message.to_string();
    if message.len() > MAX_MESSAGE {
        let mut cut = MAX_MESSAGE;
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        message.truncate(cut);
        message.push('…');
    }
    let ns = if obj.namespace.is_empty() {
        crate::api::DEFAULT_NAMESPACE
    } else {
        obj.namespace.as_str()
    };
    let now = tx.now();
    // The rate limit counts each record once, however often the
    // transaction runs.
    let key = fnv64a(
        format!(
            "{}\0{}\0{reason}\0{message}\0{component}",
            obj.uid, obj.name
        )
        .as_bytes(),
    );
    let verdict = tx.once(key, || {
        CORRELATOR
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .observe(obj, type_, reason, &message, component, millis(now))
    });
    let name = match verdict {
        Verdict::Drop => return Ok(()),
        Verdict::Record => event_name(obj, reason, &message),
        Verdict::Combined => {
            message = format!("{COMBINED}{message}");
            event_name(obj, reason, COMBINED)
        }
    };
    if tx.get::<Event>(ns, &name).is_some() {
        tx.mutate::<Event, _>(ns, &name, Subresource::Main, move |e| {
            e.count += 1;
            e.last_timestamp = Some(now);
            e.message = message;
            Ok(true)
        })?;
        return Ok(());
    }
    let mut e: Event = new_object(ns, &name);
    e.involved_object = obj.clone();
    e.reason = reason.to_string();
    e.message = message;
    e.type_ = type_.as_str().to_string();
    e.count = 1;
    e.first_timestamp = Some(now);
    e.last_timestamp = Some(now);
    e.source = EventSource {
        component: component.to_string(),
        host: String::new(),
    };
    tx.create(e)?;
    Ok(())
}

/// The prefix of an Event that stands for many similar ones.
pub const COMBINED: &str = "(combined from similar events): ";

fn millis(t: Time) -> i64 {
    t.0.timestamp_millis()
}

/// Tokens per source and object (client-go's `defaultSpamBurst`).
pub const SPAM_BURST: u32 = 25;
/// One token comes back every 5 minutes (client-go's `defaultSpamQPS`, 1/300).
pub const SPAM_REFILL_MS: i64 = 300_000;
/// Distinct messages of similar events before they are combined.
pub const AGGREGATE_AFTER: usize = 10;
/// The window in which similar events are counted.
pub const AGGREGATE_WINDOW_MS: i64 = 600_000;
/// Keys the correlator remembers of each sort (client-go's LRU size).
pub const TRACKED: usize = 4096;

/// What becomes of an event about to be recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Recorded (or counted on its repeat) as it is.
    Record,
    /// Counted on the one Event that combines similar events.
    Combined,
    /// Dropped: its source and object are over the rate limit.
    Drop,
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    /// Tokens, in thousandths, so a partial refill is kept.
    milli_tokens: i64,
    at_ms: i64,
}

#[derive(Debug)]
struct Similar {
    since_ms: i64,
    messages: HashSet<u64>,
}

/// The in-memory part of Kubernetes' event correlation: which similar
/// events to combine, and the token buckets of the rate limit. Pure: time
/// is passed in.
#[derive(Debug, Default)]
pub struct Correlator {
    buckets: HashMap<u64, Bucket>,
    similar: HashMap<u64, Similar>,
}

impl Correlator {
    /// Decides about one event at `now_ms` (milliseconds).
    pub fn observe(
        &mut self,
        obj: &ObjectReference,
        type_: EventType,
        reason: &str,
        message: &str,
        component: &str,
        now_ms: i64,
    ) -> Verdict {
        let object = format!(
            "{component}\0{}\0{}\0{}\0{}\0{}",
            obj.api_version, obj.kind, obj.namespace, obj.name, obj.uid
        );
        let spam_key = fnv64a(object.as_bytes());
        let similar_key = fnv64a(format!("{object}\0{}\0{reason}", type_.as_str()).as_bytes());
        let verdict = self.aggregate(similar_key, fnv64a(message.as_bytes()), now_ms);
        if self.take_token(spam_key, now_ms) {
            verdict
        } else {
            Verdict::Drop
        }
    }

    fn aggregate(&mut self, key: u64, message: u64, now_ms: i64) -> Verdict {
        if self.similar.len() >= TRACKED && !self.similar.contains_key(&key) {
            self.similar
                .retain(|_, s| now_ms - s.since_ms <= AGGREGATE_WINDOW_MS);
            if self.similar.len() >= TRACKED {
                self.similar.clear();
            }
        }
        let s = self.similar.entry(key).or_insert_with(|| Similar {
            since_ms: now_ms,
            messages: HashSet::new(),
        });
        if now_ms - s.since_ms > AGGREGATE_WINDOW_MS {
            s.since_ms = now_ms;
            s.messages.clear();
        }
        if s.messages.len() >= AGGREGATE_AFTER {
            return Verdict::Combined;
        }
        s.messages.insert(message);
        if s.messages.len() >= AGGREGATE_AFTER {
            Verdict::Combined
        } else {
            Verdict::Record
        }
    }

    fn take_token(&mut self, key: u64, now_ms: i64) -> bool {
        let full = i64::from(SPAM_BURST) * 1000;
        if self.buckets.len() >= TRACKED && !self.buckets.contains_key(&key) {
            // A bucket that has refilled is the same as a new one: forget those.
            self.buckets.retain(|_, b| {
                b.milli_tokens + (now_ms - b.at_ms).max(0) * 1000 / SPAM_REFILL_MS < full
            });
            if self.buckets.len() >= TRACKED {
                self.buckets.clear();
            }
        }
        let b = self.buckets.entry(key).or_insert(Bucket {
            milli_tokens: full,
            at_ms: now_ms,
        });
        let gained = (now_ms - b.at_ms).max(0) * 1000 / SPAM_REFILL_MS;
        // Time is accounted only as far as it bought tokens, so frequent
        // calls do not lose the fractions.
        b.at_ms += gained * SPAM_REFILL_MS / 1000;
        b.milli_tokens += gained;
        if b.milli_tokens >= full {
            b.milli_tokens = full;
            b.at_ms = now_ms;
        }
        if b.milli_tokens >= 1000 {
            b.milli_tokens -= 1000;
            true
        } else {
            false
        }
    }
}

static CORRELATOR: std::sync::LazyLock<Mutex<Correlator>> =
    std::sync::LazyLock::new(|| Mutex::new(Correlator::default()));

/// Whether an event is older than `max_age_seconds` (by its last occurrence).
pub fn is_expired(e: &Event, now: Time, max_age_seconds: i64) -> bool {
    let last = e
        .last_timestamp
        .or(e.metadata.creation_timestamp)
        .unwrap_or(now);
    last.seconds_until(&now) > max_age_seconds
}

/// How many Events the cluster keeps, and for how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// After its last occurrence (`--event-ttl`).
    pub ttl: Duration,
    /// In the whole cluster (`--max-events`).
    pub max_events: usize,
}

/// The API server's default `--event-ttl`.
pub const DEFAULT_TTL: Duration = Duration::from_secs(3600);
/// Enough for every object of a busy cluster to show its recent story
/// (Kubernetes keeps an hour of Events and has no cap; at ~1 KiB each this
/// bounds Events to ~10 MiB of memory and store, whatever a workload does).
pub const DEFAULT_MAX_EVENTS: usize = 10_000;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            ttl: DEFAULT_TTL,
            max_events: DEFAULT_MAX_EVENTS,
        }
    }
}

impl Limits {
    /// Where eviction past the cap stops: 90 % of it, so eviction runs once
    /// per many new Events, not once per Event.
    pub fn low_water(&self) -> usize {
        self.max_events - self.max_events / 10
    }
}

fn last_seen(e: &Event) -> Option<Time> {
    e.last_timestamp
        .or(e.first_timestamp)
        .or(e.metadata.creation_timestamp)
}

/// `(namespace, name)` of the Events to delete now: the expired ones and,
/// when more than `max_events` remain, the oldest by last occurrence down
/// to [`Limits::low_water`].
pub fn to_evict(events: &[Arc<Event>], now: Time, limits: Limits) -> Vec<(String, String)> {
    let ttl = i64::try_from(limits.ttl.as_secs()).unwrap_or(i64::MAX);
    let (mut out, mut kept): (Vec<&Event>, Vec<&Event>) = events
        .iter()
        .map(|e| e.as_ref())
        .partition(|e| is_expired(e, now, ttl));
    if kept.len() > limits.max_events {
        kept.sort_by(|a, b| {
            last_seen(a)
                .cmp(&last_seen(b))
                .then_with(|| a.metadata.name.cmp(&b.metadata.name))
        });
        let excess = kept.len() - limits.low_water();
        out.extend(kept.drain(..excess));
    }
    out.iter()
        .map(|e| (e.metadata.namespace.clone(), e.metadata.name.clone()))
        .collect()
}

/// Before a new Event is created in `tx`: when it would pass the cap, the
/// expired and the oldest Events are deleted in the same transaction, down
/// to [`Limits::low_water`], so no transaction leaves more than the cap.
/// Listing happens only at the cap, once per tenth of it.
pub fn make_room(tx: &mut Tx<'_>, limits: Limits) -> Result<(), StoreError> {
    if tx.count(Kind::Event) < limits.max_events {
        return Ok(());
    }
    let events = tx.list::<Event>(None);
    // Room for the one about to be created.
    let tighter = Limits {
        max_events: limits.max_events.saturating_sub(1).max(1),
        ..limits
    };
    for (ns, name) in to_evict(&events, tx.now(), tighter) {
        match tx.delete::<Event>(&ns, &name, Preconditions::default()) {
            Ok(_) | Err(StoreError::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// How often the keeper looks for expired Events.
const SWEEP: Duration = Duration::from_secs(10);
/// Deletes per transaction when evicting.
const EVICT_CHUNK: usize = 1000;

async fn evict(store: &Store, names: Vec<(String, String)>) {
    let mut names = names.into_iter().peekable();
    while names.peek().is_some() {
        let chunk: Vec<(String, String)> = names.by_ref().take(EVICT_CHUNK).collect();
        let done = store
            .txn(move |tx| {
                for (ns, name) in &chunk {
                    match tx.delete::<Event>(ns, name, Preconditions::default()) {
                        Ok(_) | Err(StoreError::NotFound { .. }) => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(())
            })
            .await;
        if let Err(e) = done {
            tracing::warn!(error = %e, "evicting events failed");
            return;
        }
    }
}

fn sweep(store: &Store, limits: Limits) -> Vec<(String, String)> {
    let (entries, _) = store.list_entries(Kind::Event, None, |_| true);
    let events: Vec<Arc<Event>> = entries
        .iter()
        .filter_map(|e| Event::from_any(&e.obj).cloned())
        .collect();
    to_evict(&events, Time::now(), limits)
}

/// Keeps the Events of `store` within `limits` until shutdown: the cap in
/// the transaction of every Event create (through [`Store::before_create`]),
/// and a sweep every [`SWEEP`] for the expired ones (and for a cap lowered
/// since the Events were made).
pub fn start_keeper(store: Store, limits: Limits, mut shutdown: watch::Receiver<bool>) {
    store.before_create(Kind::Event, Arc::new(move |tx| make_room(tx, limits)));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SWEEP);
        loop {
            tokio::select! {
                _ = tick.tick() => evict(&store, sweep(&store, limits)).await,
                _ = shutdown.changed() => return,
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod_ref(name: &str) -> ObjectReference {
        ObjectReference {
            api_version: "v1".into(),
            kind: "Pod".into(),
            namespace: "default".into(),
            name: name.into(),
            uid: format!("uid-{name}"),
            ..Default::default()
        }
    }

    fn observe(c: &mut Correlator, obj: &str, reason: &str, msg: &str, at_ms: i64) -> Verdict {
        c.observe(
            &pod_ref(obj),
            EventType::Normal,
            reason,
            msg,
            "kubelet",
            at_ms,
        )
    }

    #[test]
    fn the_rate_limit_allows_a_burst_of_25_then_one_per_five_minutes() {
        let mut c = Correlator::default();
        for i in 0..25 {
            assert_eq!(observe(&mut c, "a", "Pulled", "same", i), Verdict::Record);
        }
        assert_eq!(observe(&mut c, "a", "Pulled", "same", 30), Verdict::Drop);
        // Another object has its own bucket.
        assert_eq!(observe(&mut c, "b", "Pulled", "same", 30), Verdict::Record);
        // Calls every second do not lose the refill.
        let mut at = 30;
        let mut allowed = 0;
        while at < 30 + 2 * SPAM_REFILL_MS {
            at += 1000;
            if observe(&mut c, "a", "Pulled", "same", at) != Verdict::Drop {
                allowed += 1;
            }
        }
        assert_eq!(allowed, 2);
    }

    #[test]
    fn similar_events_are_combined_from_the_tenth_message_on() {
        let mut c = Correlator::default();
        let verdicts: Vec<Verdict> = (0..12)
            .map(|i| {
                observe(
                    &mut c,
                    "rs",
                    "SuccessfulCreate",
                    &format!("Created pod: p{i}"),
                    i,
                )
            })
            .collect();
        assert!(verdicts[..9].iter().all(|v| *v == Verdict::Record));
        assert!(verdicts[9..].iter().all(|v| *v == Verdict::Combined));
        // A repeat of an earlier message, and another reason, are apart.
        assert_eq!(
            observe(&mut c, "rs", "SuccessfulDelete", "Deleted pod: p0", 20),
            Verdict::Record
        );
        // After the window the count starts over.
        assert_eq!(
            observe(
                &mut c,
                "rs",
                "SuccessfulCreate",
                "Created pod: x",
                AGGREGATE_WINDOW_MS + 100
            ),
            Verdict::Record
        );
    }

    #[test]
    fn the_correlator_forgets_refilled_buckets_and_stays_bounded() {
        let mut c = Correlator::default();
        for i in 0..(TRACKED as i64 * 3) {
            observe(&mut c, &format!("p{i}"), "Scheduled", "ok", i);
        }
        assert!(c.buckets.len() <= TRACKED);
        assert!(c.similar.len() <= TRACKED);
    }

    fn event(name: &str, age_s: i64, now: Time) -> Arc<Event> {
        let mut e: Event = new_object("default", name);
        e.last_timestamp = Some(Time(now.0 - chrono::Duration::seconds(age_s)));
        Arc::new(e)
    }

    #[test]
    fn events_expire_after_the_ttl_from_their_last_occurrence() {
        let now = Time::now();
        let limits = Limits::default();
        let events = [event("old", 3601, now), event("recent", 60, now)];
        assert_eq!(
            to_evict(&events, now, limits),
            vec![("default".to_string(), "old".to_string())]
        );
        let short = Limits {
            ttl: Duration::from_secs(30),
            ..limits
        };
        assert_eq!(to_evict(&events, now, short).len(), 2);
    }

    fn api_event(name: &str) -> Event {
        let mut e: Event = new_object("default", name);
        e.involved_object = pod_ref("p");
        e.reason = "Pulled".into();
        e.count = 1;
        e.last_timestamp = Some(Time::now());
        e
    }

    #[tokio::test]
    async fn events_created_through_the_api_keep_to_the_cap_of_their_own_store() {
        let a = crate::control::store::testing::temp_store().await;
        let b = crate::control::store::testing::temp_store().await;
        let (_stop, rx) = watch::channel(false);
        let cap = |max_events| Limits {
            ttl: DEFAULT_TTL,
            max_events,
        };
        start_keeper(a.store.clone(), cap(20), rx.clone());
        start_keeper(b.store.clone(), cap(50), rx);
        for (store, max) in [(&a, 20), (&b, 50)] {
            for i in 0..120 {
                store.create(api_event(&format!("e{i:03}"))).await.unwrap();
                let n = store.list::<Event>(None).len();
                assert!(n <= max, "{n} Events held against a cap of {max}");
            }
            let n = store.list::<Event>(None).len();
            assert!(n >= max * 8 / 10, "only {n} Events kept of a cap of {max}");
            // The newest is kept.
            assert!(store.get::<Event>("default", "e119").is_some());
        }
        // Many in one transaction keep to it too.
        a.txn(|tx| {
            for i in 0..60 {
                tx.create(api_event(&format!("f{i:03}")))?;
            }
            Ok(())
        })
        .await
        .unwrap();
        assert!(a.list::<Event>(None).len() <= 20);
        assert!(a.get::<Event>("default", "f059").is_some());
    }

    #[test]
    fn past_the_cap_the_oldest_are_evicted_down_to_ninety_percent() {
        let now = Time::now();
        let limits = Limits {
            ttl: DEFAULT_TTL,
            max_events: 100,
        };
        let at_cap: Vec<Arc<Event>> = (0..100)
            .map(|i| event(&format!("e{i:03}"), i, now))
            .collect();
        assert!(to_evict(&at_cap, now, limits).is_empty());
        let mut over = at_cap.clone();
        over.push(event("newest", 0, now));
        let gone = to_evict(&over, now, limits);
        assert_eq!(gone.len(), 11);
        // The oldest: e099 (99 s ago) down to e089.
        let names: Vec<&str> = gone.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(names[0], "e099");
        assert_eq!(names[10], "e089");
        assert!(!names.contains(&"newest"));
    }
}
