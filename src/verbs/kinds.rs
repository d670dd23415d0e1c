//! What a user types for a kind, resolved as kubectl resolves it: the
//! kind, plural, singular or short name, the `all` category, and, for a
//! name that is none of these, kubectl's one-line error with the nearest
//! name ork serves (`did you mean "deployments"?`).
//!
//! Pure; imports only `api`.

use crate::api::Kind;

/// One kind by any of its names.
pub fn resolve(name: &str) -> Result<Kind, String> {
    Kind::from_name(name).ok_or_else(|| unknown(name))
}

/// A comma-separated list of kinds (`po,svc`), or `all`.
pub fn resolve_list(names: &str) -> Result<Vec<Kind>, String> {
    let mut out: Vec<Kind> = vec![];
    for n in names.split(',').filter(|n| !n.is_empty()) {
        let kinds = if n == "all" {
            Kind::ALL_CATEGORY.to_vec()
        } else {
            vec![resolve(n)?]
        };
        for k in kinds {
            if !out.contains(&k) {
                out.push(k);
            }
        }
    }
    if out.is_empty() {
        return Err(format!("{names:?} names no resource type"));
    }
    Ok(out)
}

/// `TYPE/NAME` or `TYPE NAME`, as kubectl takes one object.
pub fn target(args: &[String]) -> Result<(Kind, String), String> {
    let (k, n) = match args {
        [one] => one
            .split_once('/')
            .ok_or_else(|| format!("{one:?}: give TYPE/NAME or TYPE NAME"))?,
        [k, n] => (k.as_str(), n.as_str()),
        _ => return Err("give TYPE/NAME or TYPE NAME".into()),
    };
    if n.is_empty() {
        return Err(format!("{k}/: a name is required"));
    }
    Ok((resolve(k)?, n.to_string()))
}

/// kubectl's error for a name that is no kind, with the closest name ork
/// knows when one is close enough to be a typo.
pub fn unknown(name: &str) -> String {
    let mut msg = format!("the server doesn't have a resource type {name:?}");
    if let Some(s) = suggest(name) {
        msg.push_str(&format!("; did you mean {s:?}?"));
    }
    msg
}

/// The known name nearest to `name` (plural, singular or short), if it is
/// a few edits away; the plural is preferred when two are as near.
pub fn suggest(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    let base = lower.split('.').next().unwrap_or(&lower);
    let limit = (base.chars().count() / 3).clamp(1, 3);
    Kind::ALL
        .iter()
        .flat_map(|k| {
            let i = k.info();
            [i.plural, i.singular]
                .into_iter()
                .chain(i.short_names.iter().copied())
        })
        .map(|c| (strsim::osa_distance(base, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelled_kind_gets_the_nearest_name() {
        assert_eq!(
            unknown("deploymnets"),
            "the server doesn't have a resource type \"deploymnets\"; did you mean \"deployments\"?"
        );
        assert_eq!(suggest("sevices"), Some("services"));
        assert_eq!(suggest("pdo"), Some("pod"));
        assert_eq!(suggest("configmap"), Some("configmap"));
        assert_eq!(
            unknown("widgets"),
            "the server doesn't have a resource type \"widgets\""
        );
    }

    #[test]
    fn all_is_the_category_and_lists_keep_their_order() {
        assert_eq!(resolve_list("all").unwrap(), Kind::ALL_CATEGORY.to_vec());
        assert_eq!(
            resolve_list("svc,po,svc").unwrap(),
            vec![Kind::Service, Kind::Pod]
        );
        assert!(resolve_list("po,nope").is_err());
        assert_eq!(resolve("deploy").unwrap(), Kind::Deployment);
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            target(&args(&["deploy/web"])).unwrap(),
            (Kind::Deployment, "web".into())
        );
        assert_eq!(
            target(&args(&["svc", "web"])).unwrap(),
            (Kind::Service, "web".into())
        );
        assert!(target(&args(&["web"])).is_err());
        assert!(
            target(&args(&["deploymnet/web"]))
                .unwrap_err()
                .contains("did you mean")
        );
    }
}
