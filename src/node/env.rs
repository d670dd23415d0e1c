//! Container environment as Kubernetes builds it: the spec's `env` plus what
//! the runtime injects, and `$(VAR)` references in `command`/`args` expanded
//! against it (`$$(VAR)` stays a literal `$(VAR)`, unknown names stay as written).

use std::collections::HashMap;

/// Expands `$(NAME)` references in `s` with `env`.
pub fn expand(s: &str, env: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(s.len());
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' && i + 1 < b.len() {
            if b[i + 1] == b'$' {
                // `$$` is a literal `$`.
                out.push('$');
                i += 2;
                continue;
            }
            if b[i + 1] == b'('
                && let Some(end) = s[i + 2..].find(')')
            {
                let name = &s[i + 2..i + 2 + end];
                match env.get(name) {
                    Some(v) => out.push_str(v),
                    None => out.push_str(&s[i..i + 3 + end]),
                }
                i += 3 + end;
                continue;
            }
        }
        let ch = s[i..].chars().next().unwrap_or('\u{fffd}');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// The final environment: spec entries in order (later ones win, and may
/// reference earlier ones with `$(VAR)`), after the runtime's own.
pub fn build(injected: &[(String, String)], spec: &[(String, String)]) -> Vec<(String, String)> {
    let mut map: HashMap<String, String> = HashMap::new();
    let mut order: Vec<String> = vec![];
    for (k, v) in injected.iter().chain(spec) {
        let v = expand(v, &map);
        if !map.contains_key(k) {
            order.push(k.clone());
        }
        map.insert(k.clone(), v);
    }
    order
        .into_iter()
        .map(|k| {
            let v = map.get(&k).cloned().unwrap_or_default();
            (k, v)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn references_expand_like_kubernetes() {
        let e = env(&[("PORT", "8080"), ("HOST", "a")]);
        assert_eq!(expand("--port=$(PORT)", &e), "--port=8080");
        assert_eq!(expand("$(HOST):$(PORT)", &e), "a:8080");
        assert_eq!(expand("$(MISSING)", &e), "$(MISSING)");
        assert_eq!(expand("$$(PORT)", &e), "$(PORT)");
        assert_eq!(expand("cost $5 $", &e), "cost $5 $");
        assert_eq!(expand("$(unclosed", &e), "$(unclosed");
        assert_eq!(expand("héllo $(PORT)", &e), "héllo 8080");
    }

    #[test]
    fn later_variables_see_earlier_ones() {
        let out = build(
            &[("PORT".into(), "9000".into())],
            &[
                ("URL".into(), "http://x:$(PORT)".into()),
                ("PORT".into(), "1".into()),
            ],
        );
        assert_eq!(
            out,
            vec![
                ("PORT".into(), "1".into()),
                ("URL".into(), "http://x:9000".into())
            ]
        );
    }
}
