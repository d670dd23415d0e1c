//! Recording Events from inside store transactions. Repeats of the same
//! event (same object, reason and message) bump `count` and `lastTimestamp`
//! of one Event instead of piling up new ones, as Kubernetes aggregates them.

use crate::api::hash::fnv64a;
use crate::api::{Event, EventSource, Object, ObjectReference, Time, new_object};
use crate::control::store::{StoreError, Subresource, Tx};

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

/// Records (or bumps) an event about `obj`.
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
    let name = event_name(obj, reason, &message);
    let now = tx.now();
    if tx.get::<Event>(ns, &name).is_some() {
        tx.mutate::<Event, _>(ns, &name, Subresource::Main, move |e| {
            e.count += 1;
            e.last_timestamp = Some(now);
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

/// Whether an event is older than `max_age_seconds` (by its last occurrence).
pub fn is_expired(e: &Event, now: Time, max_age_seconds: i64) -> bool {
    let last = e
        .last_timestamp
        .or(e.metadata.creation_timestamp)
        .unwrap_or(now);
    last.seconds_until(&now) > max_age_seconds
}
