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
    assert!(write_atomic(&dir, &files, 0o644, None).unwrap());
    assert_eq!(std::fs::read(dir.join("a")).unwrap(), b"1");
    assert!(
        !write_atomic(&dir, &files, 0o644, None).unwrap(),
        "unchanged"
    );
    let first = std::fs::read_link(dir.join("..data")).unwrap();
    files.insert("a".into(), b"changed".to_vec());
    files.remove("b");
    assert!(write_atomic(&dir, &files, 0o644, None).unwrap());
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
    let r = |p: &Path, t: &str| host_path(p.to_str().unwrap(), t, &roots, &[]);
    assert!(r(&root.join("data"), "DirectoryOrCreate").is_ok());
    assert!(root.join("data").is_dir());
    let e = r(&outside, "Directory").unwrap_err();
    assert!(e.contains("not under a directory this node allows"), "{e}");
    let e = host_path(
        &format!("{}/../outside", root.display()),
        "Directory",
        &roots,
        &[],
    )
    .unwrap_err();
    assert!(e.contains("'..'"), "{e}");
    let e = r(&root.join("escape"), "Directory").unwrap_err();
    assert!(e.contains("through a symlink"), "{e}");
    let e = r(&root.join("escape/new"), "DirectoryOrCreate").unwrap_err();
    assert!(e.contains("through a symlink"), "{e}");
    assert!(!outside.join("new").exists(), "nothing created outside");
    let e = host_path("/etc", "Directory", &[], &[]).unwrap_err();
    assert!(e.contains("--allow-host-path"), "{e}");
}

#[test]
fn host_paths_never_reach_the_nodes_own_directories() {
    let d = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(d.path()).unwrap();
    let data = base.join("node");
    let pods = base.join("pods");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::create_dir_all(pods.join("uid-1/volumes/cache")).unwrap();
    std::fs::write(data.join("node.kubeconfig"), "secret").unwrap();
    // The operator allowed everything under the base.
    let roots = vec![base.clone()];
    let forbidden = vec![data.clone(), pods.clone()];
    let r = |p: &Path, t: &str| host_path(p.to_str().unwrap(), t, &roots, &forbidden);
    for (p, t) in [
        (data.join("node.kubeconfig"), "File"),
        (data.clone(), "Directory"),
        (pods.join("uid-1/volumes/cache"), "Directory"),
        (pods.join("uid-2"), "DirectoryOrCreate"),
        // Holding them is reaching them.
        (base.clone(), "Directory"),
    ] {
        let e = r(&p, t).unwrap_err();
        assert!(
            e.contains("credentials or other pods' files"),
            "{}: {e}",
            p.display()
        );
    }
    assert!(!pods.join("uid-2").exists(), "nothing created there");
    // Through a symlink too.
    std::os::unix::fs::symlink(&data, base.join("innocent")).unwrap();
    assert!(r(&base.join("innocent/node.kubeconfig"), "File").is_err());
    // Beside them is fine.
    assert!(r(&base.join("shared"), "DirectoryOrCreate").is_ok());
}

#[test]
fn the_roots_forbid_the_data_dir_and_an_ork_up_dir_above_it() {
    let d = tempfile::tempdir().unwrap();
    let up = std::fs::canonicalize(d.path()).unwrap().join("up");
    let data = up.join("nodes").join("n1");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(up.join("admin.token"), "t").unwrap();
    let pods = d.path().join("pods");
    std::fs::create_dir_all(&pods).unwrap();
    let roots = Roots::new(&data, &pods, "abc", &[], false);
    assert!(roots.forbidden.contains(&data));
    assert!(roots.forbidden.contains(&up), "{:?}", roots.forbidden);
    assert!(!roots.forbidden.contains(&up.join("nodes")));
    assert!(
        roots
            .forbidden
            .contains(&std::fs::canonicalize(&pods).unwrap())
    );
}

#[test]
fn volume_files_belong_to_the_owner_given_and_a_change_of_owner_rewrites_them() {
    use std::os::unix::fs::MetadataExt;
    if !nix::unistd::geteuid().is_root() {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("v");
    let files = BTreeMap::from([("key".to_string(), b"s3cret".to_vec())]);
    let owner = Ids {
        uid: 65534,
        gid: 4000,
    };
    assert!(write_atomic(&dir, &files, 0o600, Some(owner)).unwrap());
    let m = std::fs::metadata(dir.join("key")).unwrap();
    assert_eq!((m.uid(), m.gid(), m.mode() & 0o777), (65534, 4000, 0o600));
    assert!(!write_atomic(&dir, &files, 0o600, Some(owner)).unwrap());
    let other = Ids {
        uid: 1000,
        gid: 1000,
    };
    assert!(write_atomic(&dir, &files, 0o600, Some(other)).unwrap());
    assert_eq!(std::fs::metadata(dir.join("key")).unwrap().uid(), 1000);
}

#[test]
fn claims_in_the_old_place_move_to_the_pods_dir_without_loss() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("node");
    let old = data.join("claims");
    std::fs::create_dir_all(old.join("uid-a/sub")).unwrap();
    std::fs::write(old.join("uid-a/sub/file"), "kept").unwrap();
    std::fs::set_permissions(old.join("uid-a"), std::fs::Permissions::from_mode(0o777)).unwrap();
    std::os::unix::fs::symlink("sub/file", old.join("uid-a/link")).unwrap();
    std::fs::create_dir_all(old.join("uid-b")).unwrap();
    std::fs::write(old.join("uid-b/file"), "old copy").unwrap();
    let pods = d.path().join("pods");
    std::fs::create_dir_all(&pods).unwrap();
    let roots = Roots::new(&data, &pods, "abc", &[], false);
    roots.prepare().unwrap();
    // Already there: the new one is used, the old one is kept.
    std::fs::create_dir_all(roots.claims.join("uid-b")).unwrap();
    assert_eq!(roots.adopt_claims(), 1);
    let a = roots.claims.join("uid-a");
    assert_eq!(std::fs::read_to_string(a.join("sub/file")).unwrap(), "kept");
    assert_eq!(std::fs::read_to_string(a.join("link")).unwrap(), "kept");
    assert_eq!(
        std::fs::metadata(&a).unwrap().permissions().mode() & 0o777,
        0o777
    );
    assert!(!old.join("uid-a").exists());
    assert_eq!(
        std::fs::read_to_string(old.join("uid-b/file")).unwrap(),
        "old copy"
    );
    // Across filesystems it is copied: the same tree, then the original goes.
    let copy = d.path().join("copy");
    copy_tree(&a, &copy).unwrap();
    assert_eq!(std::fs::read_to_string(copy.join("link")).unwrap(), "kept");
    assert_eq!(
        std::fs::read_link(copy.join("link")).unwrap(),
        Path::new("sub/file")
    );
    // Nothing to do the second time.
    assert_eq!(roots.adopt_claims(), 0);
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

#[test]
fn each_file_gets_its_own_mode_and_a_mode_change_rewrites() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("v");
    let mut files = Files::from([
        ("a".to_string(), (b"1".to_vec(), 0o644)),
        ("sub/b".to_string(), (b"2".to_vec(), 0o400)),
    ]);
    assert!(write_files(&dir, &files, None).unwrap());
    let mode = |p: &str| std::fs::metadata(dir.join(p)).unwrap().permissions().mode() & 0o777;
    assert_eq!((mode("a"), mode("sub/b")), (0o644, 0o400));
    assert!(!write_files(&dir, &files, None).unwrap(), "unchanged");
    files.insert("a".into(), (b"1".to_vec(), 0o600));
    assert!(write_files(&dir, &files, None).unwrap(), "the mode changed");
    assert_eq!(mode("a"), 0o600);
}

#[test]
fn sub_paths_stay_inside_their_volume() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("vol");
    let outside = d.path().join("outside");
    std::fs::create_dir_all(root.join("in")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(root.join("in/file"), "x").unwrap();
    std::os::unix::fs::symlink(&outside, root.join("out")).unwrap();
    std::os::unix::fs::symlink("../outside", root.join("up")).unwrap();
    std::os::unix::fs::symlink("in", root.join("link-in")).unwrap();
    let real = std::fs::canonicalize(&root).unwrap();

    assert_eq!(sub_path(&root, "in/file").unwrap(), real.join("in/file"));
    assert_eq!(
        sub_path(&root, "link-in/file").unwrap(),
        real.join("in/file")
    );
    // Missing directories are made, with the volume's mode.
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o777)).unwrap();
    assert_eq!(sub_path(&root, "new/deep").unwrap(), real.join("new/deep"));
    assert!(root.join("new/deep").is_dir());
    assert_eq!(
        std::fs::metadata(root.join("new"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o777
    );
    for (sub, needle) in [
        ("../outside", "must not contain '..'"),
        ("in/../../outside", "must not contain '..'"),
        ("/etc", "relative path"),
        ("out", "leaves its volume"),
        ("out/x", "leaves its volume"),
        ("up", "leaves its volume"),
    ] {
        let e = sub_path(&root, sub).unwrap_err();
        assert!(e.contains(needle), "{sub}: {e}");
    }
    assert!(!outside.join("x").exists(), "nothing was made outside");
}

/// A ConfigMap volume's key, mounted through `subPath`, is the file of the
/// current generation (what the kubelet mounts too).
#[test]
fn a_sub_path_through_the_data_link_is_inside() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("v");
    let files = BTreeMap::from([("greeting".to_string(), b"hi".to_vec())]);
    write_atomic(&dir, &files, 0o644, None).unwrap();
    let p = sub_path(&dir, "greeting").unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), b"hi");
    assert!(p.starts_with(std::fs::canonicalize(&dir).unwrap()));
}
