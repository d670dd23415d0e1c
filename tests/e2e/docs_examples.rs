//! `ork apply --dry-run=server|client|none` as kubectl spells it, and
//! `tests/docs_examples/measure.sh`, which measures how many manifests of a
//! directory ork accepts: it is run here on a few manifests of its own and
//! its counts, reasons and clean-up are checked. Uses the harness only.

use crate::harness::{Cluster, ORK, marker};
use crate::workloads::deployment;
use std::path::Path;
use std::process::Command;

#[test]
fn apply_dry_run_takes_kubectls_values() {
    let c = Cluster::start(0, "fake");
    let f = c.dir.path().join("app.yaml");
    std::fs::write(&f, deployment("web", 1, marker())).unwrap();
    let file = f.to_str().unwrap();

    let out = c.ok(&["apply", "--dry-run=server", "-f", file]);
    assert_eq!(out, "deployment.apps/web created (dry run)\n");
    let out = c.ok(&["apply", "--dry-run", "-f", file]);
    assert_eq!(
        out, "deployment.apps/web created (dry run)\n",
        "a bare --dry-run is the server's check"
    );
    let out = c.ok(&["apply", "--dry-run=client", "-f", file]);
    assert_eq!(
        out,
        "deployment.apps/web checked (client dry run, nothing sent)\n"
    );
    assert!(
        c.json(&["get", "deploy", "web"]).is_none(),
        "no dry run stores anything"
    );

    let out = c.ork(&["apply", "--dry-run=all", "-f", file]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("invalid --dry-run \"all\": use server, client or none"),
        "{err}"
    );

    // A client dry run still checks the manifest here.
    let bad = c.dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        deployment("bad", 1, marker()).replace("replicas: 1", "replicaz: 1"),
    )
    .unwrap();
    let out = c.ork(&["apply", "--dry-run=client", "-f", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("spec.replicaz: unknown field"), "{err}");

    let out = c.ok(&["apply", "--dry-run=none", "-f", file]);
    assert_eq!(out, "deployment.apps/web created\n");
    assert!(c.json(&["get", "deploy", "web"]).is_some());
}

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

#[test]
fn measure_script_counts_files_honestly_and_cleans_up() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("examples");
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: one\nspec:\n  containers:\n  - name: c\n    image: busybox\n";
    // Accepted: one Pod; a Namespace and a Pod in it (KYAML flow style).
    write(&dir, "a/pod.yaml", pod);
    write(
        &dir,
        "a/flow.yaml",
        "---\n{\n  apiVersion: \"v1\",\n  kind: \"Pod\",\n  metadata: {\n    name: \"two\",\n    namespace: \"shop\",\n  },\n  spec: {\n    containers: [{\n      name: \"c\",\n      image: \"busybox\",\n    }],\n  },\n}\n",
    );
    // Refused: a good document next to an unknown kind counts as refused.
    write(
        &dir,
        "b/mixed.yaml",
        &format!("{pod}---\napiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: g\n"),
    );
    write(
        &dir,
        "b/typo.yaml",
        &pod.replace("  containers:", "  containerz:"),
    );
    // Not API objects: a component configuration and a profile.
    write(
        &dir,
        "c/kubelet.yaml",
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n",
    );
    write(
        &dir,
        "c/profile.json",
        "{\"defaultAction\": \"SCMP_ACT_ERRNO\"}\n",
    );
    write(&dir, "c/notes.txt", "not a manifest");

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/docs_examples/measure.sh");
    let tsv = tmp.path().join("results.tsv");
    let scratch = tmp.path().join("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    let out = Command::new("bash")
        .arg(&script)
        .arg(&dir)
        .arg(ORK)
        .env("OUT_TSV", &tsv)
        .env("TMPDIR", &scratch)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("manifest files: 6 under"), "{stdout}");
    assert!(
        stdout.contains("not API objects (not counted): 2"),
        "{stdout}"
    );
    assert!(
        stdout.contains("namespaces created first: shop"),
        "{stdout}"
    );
    assert!(
        stdout.contains("accepted: 2 of 4 (50.0%), refused: 2"),
        "{stdout}"
    );
    assert!(
        stdout.contains("kind: unsupported kind \"Gadget\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("spec.containerz: unknown field"),
        "{stdout}"
    );

    let rows = std::fs::read_to_string(&tsv).unwrap();
    let status = |file: &str| {
        rows.lines()
            .find(|l| l.split('\t').nth(1) == Some(file))
            .and_then(|l| l.split('\t').next())
            .map(str::to_string)
    };
    assert_eq!(status("a/pod.yaml").as_deref(), Some("accepted"));
    assert_eq!(status("a/flow.yaml").as_deref(), Some("accepted"));
    assert_eq!(status("b/mixed.yaml").as_deref(), Some("refused"));
    assert_eq!(status("b/typo.yaml").as_deref(), Some("refused"));
    assert_eq!(status("c/kubelet.yaml").as_deref(), Some("not-object"));
    assert_eq!(status("c/profile.json").as_deref(), Some("not-object"));

    // The throwaway cluster is gone: its temp dir removed, no daemon left.
    let left: Vec<_> = std::fs::read_dir(&scratch).unwrap().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    let ps = Command::new("ps").args(["-eo", "args"]).output().unwrap();
    let ps = String::from_utf8_lossy(&ps.stdout);
    assert!(
        !ps.lines().any(|l| l.contains(scratch.to_str().unwrap())),
        "an ork daemon of the script still runs:\n{ps}"
    );
}
