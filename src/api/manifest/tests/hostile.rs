//! Hostile input: deep nesting, alias bombs, huge documents and garbage
//! are refused fast with one clear message, and never panic.

use super::*;

/// CPU time this thread has used: the work a parse did, whatever else
/// the machine is busy with.
fn thread_cpu() -> Duration {
    let t = nix::time::clock_gettime(nix::time::ClockId::CLOCK_THREAD_CPUTIME_ID).unwrap();
    Duration::new(t.tv_sec() as u64, t.tv_nsec() as u32)
}

/// Runs a hostile input, checking it fails fast (in CPU time, so a loaded
/// machine does not count against it) with one clear message.
fn refused_quickly(text: &str, expect: &str) {
    let start = thread_cpu();
    let errs = errors(text);
    let took = thread_cpu() - start;
    assert!(took < Duration::from_secs(5), "took {took:?} of CPU");
    assert!(errs.iter().any(|e| e.contains(expect)), "{errs:?}");
    assert!(errs.len() <= 2, "{errs:?}");
}

#[test]
fn deep_nesting_is_refused_quickly() {
    let flow = "[".repeat(10_000) + &"]".repeat(10_000);
    refused_quickly(&flow, "nested too deeply (more than 100 levels)");
    let block = "- ".repeat(10_000) + "x\n";
    refused_quickly(&block, "nested too deeply (more than 100 levels)");
    let maps = "{a: ".repeat(10_000) + &"}".repeat(10_000);
    refused_quickly(&maps, "nested too deeply");
    // Just within the limit is fine for the parser (and then not a manifest).
    let ok_depth = "[".repeat(100) + &"]".repeat(100);
    let errs = errors(&ok_depth);
    assert!(errs[0].contains("expected an object"), "{errs:?}");
}

#[test]
fn a_billion_laughs_alias_bomb_is_refused_quickly() {
    let mut bomb = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"]
        .iter()
        .zip(["b", "c", "d", "e", "f", "g", "h", "i"])
    {
        let refs = vec![format!("*{prev}"); 9].join(",");
        bomb.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    refused_quickly(&bomb, "aliases expand to too much data");
}

#[test]
fn too_many_documents_are_refused_quickly() {
    let doc = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\n";
    refused_quickly(&doc.repeat(5000), "too many documents (the limit is 1000)");
    // Empty documents count too.
    refused_quickly(&"---\n".repeat(5000), "too many documents");
}

#[test]
fn an_oversized_input_is_refused_quickly() {
    let big = "# padding\n".repeat((4 << 20) / 10);
    let start = thread_cpu();
    let errs = errors(&big);
    assert!((thread_cpu() - start) < Duration::from_millis(100));
    assert_eq!(
        errs,
        vec![format!(
            "app.yaml: file is too large ({} bytes; the limit is 3 MiB)",
            big.len()
        )]
    );
}

#[test]
fn a_huge_flat_document_hits_the_node_budget() {
    let big = format!("a: [{}]\n", vec!["1"; 600_000].join(","));
    assert!(big.len() < MAX_BYTES);
    refused_quickly(&big, "too large or complex");
}

/// A small deterministic generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn random_garbage_never_panics() {
    const ALPHABET: &[char] = &[
        ' ', ' ', ' ', '\n', '\n', '\t', '\r', ':', '-', '-', '[', ']', '{', '}', ',', '&', '*',
        '!', '|', '>', '\'', '"', '#', '%', '@', '`', '?', '.', '~', '\\', 'a', 'k', 'v', '1', '0',
        'e', 'x', 'é', '\u{feff}', '\u{0}', '\u{7f}', '😀',
    ];
    let words = [
        "apiVersion: v1\n",
        "kind: Pod\n",
        "kind: List\n",
        "items:\n",
        "metadata:\n",
        "spec:\n",
        "  containers:\n",
        "  - name: x\n",
        "---\n",
        "...\n",
        "&a ",
        "*a ",
        "<<: ",
        "!!str ",
        "!!int ",
        "null",
        "0x1F",
        ".inf",
        "1e999",
        "99999999999999999999999",
        "\"\\u0000\"",
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let check = |text: &str| {
        if let Err(errs) = decode("fuzz.yaml", text, Strictness::Strict) {
            for e in errs {
                assert!(!e.message.contains("internal error"), "{text:?}: {e}");
            }
        }
    };
    for _ in 0..1500 {
        let mut text = String::new();
        for _ in 0..rng.below(200) {
            if rng.below(4) == 0 {
                text.push_str(words[rng.below(words.len())]);
            } else {
                text.push(ALPHABET[rng.below(ALPHABET.len())]);
            }
        }
        check(&text);
    }
    // Mutations of a valid manifest reach the schema and semantic checks.
    let base: Vec<char> = NGINX.chars().collect();
    for _ in 0..1500 {
        let mut chars = base.clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(chars.len());
            match rng.below(3) {
                0 => chars[at] = ALPHABET[rng.below(ALPHABET.len())],
                1 => {
                    chars.remove(at);
                }
                _ => chars.insert(at, ALPHABET[rng.below(ALPHABET.len())]),
            }
        }
        check(&chars.into_iter().collect::<String>());
    }
}

#[test]
fn thousands_of_unknown_fields_are_capped_and_fast() {
    let mut text = String::from("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n");
    for i in 0..40_000 {
        text.push_str(&format!("{}x{i}: 1\n", "abcdefghij".repeat(6)));
    }
    let start = thread_cpu();
    let errs = errors(&text);
    assert!(
        (thread_cpu() - start) < Duration::from_secs(10),
        "{:?}",
        (thread_cpu() - start)
    );
    assert_eq!(errs.len(), 101, "{:?}", &errs[..1]);
    assert_eq!(
        errs[0],
        "app.yaml: document 1: 39900 more errors in this object not shown, line 1"
    );
    let decoded = decode("app.yaml", &text, Strictness::Warn).expect("decodes");
    assert_eq!(decoded.warnings.len(), 101);
}

#[test]
fn windows_line_endings_and_a_byte_order_mark_are_fine() {
    let text = format!("\u{feff}{}", NGINX.replace('\n', "\r\n"));
    assert_eq!(ok(&text).documents[0].object, ok(NGINX).documents[0].object);
    let bad = text.replace("replicas: 3", "replicas: x");
    assert_eq!(
        errors(&bad),
        vec!["app.yaml: document 1: spec.replicas: expected an integer, got string \"x\", line 8"]
    );
}
