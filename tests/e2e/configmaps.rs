//! ConfigMaps through the real API: the Kubernetes docs' manifest applied
//! unchanged, `ork create configmap` from every kind of source, columns and
//! describe, and an immutable ConfigMap refusing changes.

use crate::harness::Cluster;

const GAME_DEMO: &str = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: game-demo
data:
  player_initial_lives: "3"
  ui_properties_file_name: "user-interface.properties"
  game.properties: |
    enemy.types=aliens,monsters
    player.maximum-lives=5
"#;

#[test]
fn configmaps_apply_create_list_describe_and_stay_immutable() {
    let c = Cluster::start(0, "fake");
    c.apply(GAME_DEMO);
    let v = c.json(&["get", "configmap", "game-demo"]).unwrap();
    assert_eq!(v["data"]["player_initial_lives"], "3");
    assert_eq!(
        v["data"]["game.properties"],
        "enemy.types=aliens,monsters\nplayer.maximum-lives=5\n"
    );
    let described = c.ok(&["describe", "configmap", "game-demo"]);
    assert!(
        described.contains("  game.properties:")
            && described.contains("\n    player.maximum-lives=5\n"),
        "{described}"
    );

    let dir = c.dir.path();
    std::fs::write(dir.join("app.env"), "# settings\nLOG_LEVEL=debug\n").unwrap();
    std::fs::write(dir.join("blob"), [0u8, 159, 146, 150]).unwrap();
    let blob = format!("data.bin={}", dir.join("blob").display());
    let out = c.ok(&[
        "create",
        "configmap",
        "app-config",
        "--from-literal",
        "MODE=fast",
        "--from-file",
        &blob,
        "--from-env-file",
        dir.join("app.env").to_str().unwrap(),
    ]);
    assert_eq!(out.trim(), "configmap/app-config created");
    let v = c.json(&["get", "cm", "app-config"]).unwrap();
    assert_eq!(v["data"]["MODE"], "fast");
    assert_eq!(v["data"]["LOG_LEVEL"], "debug");
    assert_eq!(v["binaryData"]["data.bin"], "AJ+Slg==");
    let table = c.ok(&["get", "configmaps"]);
    let row = table.lines().find(|l| l.starts_with("app-config")).unwrap();
    assert_eq!(row.split_whitespace().nth(1), Some("3"), "{table}");
    assert!(table.lines().next().unwrap().contains("DATA"), "{table}");
    let described = c.ok(&["describe", "cm", "app-config"]);
    assert!(
        described.contains("LOG_LEVEL") && described.contains("4 bytes"),
        "{described}"
    );

    // A bad key is refused with its path, and nothing is created.
    let out = c.ork(&["create", "configmap", "bad", "--from-literal", "a/b=1"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("data[a/b]"), "{err}");
    assert!(c.json(&["get", "cm", "bad"]).is_none());

    // Immutable: data changes are refused, the object stays as it was.
    c.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: frozen}\nimmutable: true\ndata: {k: v1}\n");
    let f = dir.join("frozen.yaml");
    std::fs::write(
        &f,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: frozen}\nimmutable: true\ndata: {k: v2}\n",
    )
    .unwrap();
    let out = c.ork(&["apply", "-f", f.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("immutable"), "{err}");
    assert_eq!(c.json(&["get", "cm", "frozen"]).unwrap()["data"]["k"], "v1");
    c.ok(&["delete", "cm", "frozen"]);
    assert!(c.json(&["get", "cm", "frozen"]).is_none());
}
