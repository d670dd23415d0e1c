//! Atomic volume writes, hostPath confinement and the watched objects.

use super::*;

#[test]
fn volume_files_are_swapped_atomically_and_stale_keys_go() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("v");
    let mut files = BTreeMap::from([
        ("a".to_string(), b"1".to_vec()),
        ("b".to_string(), b"2".to_vec()),
    ]);
    assert!(write_atomic(&dir, &files, 0o644).unwrap());
    assert_eq!(std::fs::read(dir.join("a")).unwrap(), b"1");
    assert!(!write_atomic(&dir, &files, 0o644).unwrap(), "unchanged");
    let first = std::fs::read_link(dir.join("..data")).unwrap();
    files.insert("a".into(), b"changed".to_vec());
    files.remove("b");
    assert!(write_atomic(&dir, &files, 0o644).unwrap());
    assert_eq!(std::fs::read(dir.join("a")).unwrap(), b"changed");
    assert!(!dir.join("b").exists());
    assert!(!dir.join(first).exists(), "the old generation is removed");
    // Keys are symlinks through ..data (what makes the swap atomic).
    assert_eq!(
        std::fs::read_link(dir.join("a")).unwrap(),
        Path::new("..data/a")
    );
}

#[test]
fn host_paths_stay_under_their_roots() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("allowed");
    let outside = d.path().join("outside");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("escape")).unwrap();
    let roots = vec![std::fs::canonicalize(&root).unwrap()];
    let r = |p: &Path, t: &str| host_path(p.to_str().unwrap(), t, &roots);
    assert!(r(&root.join("data"), "DirectoryOrCreate").is_ok());
    assert!(root.join("data").is_dir());
    let e = r(&outside, "Directory").unwrap_err();
    assert!(e.contains("not under a directory this node allows"), "{e}");
    let e = host_path(
        &format!("{}/../outside", root.display()),
        "Directory",
        &roots,
    )
    .unwrap_err();
    assert!(e.contains("'..'"), "{e}");
    let e = r(&root.join("escape"), "Directory").unwrap_err();
    assert!(e.contains("through a symlink"), "{e}");
    let e = r(&root.join("escape/new"), "DirectoryOrCreate").unwrap_err();
    assert!(e.contains("through a symlink"), "{e}");
    assert!(!outside.join("new").exists(), "nothing created outside");
    let e = host_path("/etc", "Directory", &[]).unwrap_err();
    assert!(e.contains("--allow-host-path"), "{e}");
}

#[test]
fn watched_objects_follow_lists_and_events() {
    use crate::api::{AnyObject, Kind};
    let cm = |name: &str, v: &str| {
        AnyObject::from_value(
            Kind::ConfigMap,
            serde_json::json!({"metadata": {"name": name, "namespace": "default"}, "data": {"k": v}}),
        )
        .unwrap()
    };
    let w = Watched::default();
    w.replace(Kind::ConfigMap, &[cm("a", "1"), cm("b", "2")]);
    assert_eq!(w.get(Kind::ConfigMap, "default", "a").unwrap()["k"], b"1");
    w.apply(false, &cm("a", "changed"));
    assert_eq!(
        w.get(Kind::ConfigMap, "default", "a").unwrap()["k"],
        b"changed"
    );
    w.apply(true, &cm("b", "2"));
    assert!(w.get(Kind::ConfigMap, "default", "b").is_none());
    // A fresh list replaces what the kind had.
    w.replace(Kind::ConfigMap, &[]);
    assert!(w.get(Kind::ConfigMap, "default", "a").is_none());
    assert!(
        !format!("{w:?}").contains("changed"),
        "Debug shows no values"
    );
}
