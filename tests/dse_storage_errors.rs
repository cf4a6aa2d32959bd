//! Bad study storage (issue 18): an unreachable database, a schema version l2mac does not know and
//! a study name that is not there each stop `dse worker` / `dse run` / `dse best` with a message
//! naming the URL and what is wrong, and write nothing.

mod study_tools;

use std::path::Path;
use std::process::Command;

use l2mac::dse::study::{Prepared, Store, StudySpec};

/// Exit code and stderr of an l2mac command that must fail.
fn fails(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_l2mac"))
        .args(args)
        .output()
        .expect("run l2mac");
    assert_eq!(
        out.status.code(),
        Some(2),
        "l2mac {args:?} should fail with exit 2"
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Every row of every table, to show that a refused command changed nothing.
fn dump(db: &Path) -> Vec<String> {
    let c = rusqlite::Connection::open(db).expect("open");
    let tables: Vec<String> = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("tables");
    let mut out = Vec::new();
    for t in tables {
        let mut s = c
            .prepare(&format!("SELECT * FROM \"{t}\""))
            .expect("select");
        let n = s.column_count();
        let rows: Vec<String> = s
            .query_map([], |r| {
                Ok((0..n)
                    .map(|i| format!("{:?}", r.get_ref(i).map(|v| format!("{v:?}"))))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .and_then(|m| m.collect())
            .expect("rows");
        out.push(format!("{t}: {rows:?}"));
    }
    out
}

/// A database holding one l2mac study `kept`.
fn study_db(dir: &Path) -> String {
    let url = format!("sqlite:///{}", dir.join("shared.db").display());
    let text = study_tools::dram_spec(dir, "kept", &url, 5, "random");
    let prep =
        Prepared::new(StudySpec::from_toml_str(&text, "kept.toml").expect("spec")).expect("prep");
    Store::create(&dir.join("run"), Some(&url), "kept", &prep.spec.to_toml()).expect("create");
    url
}

#[test]
fn an_unreachable_database_is_a_clear_error_and_leaves_no_run_directory() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // port 1 on loopback: nothing listens there
    let url = "postgresql://l2mac@127.0.0.1:1/studies";
    let err = fails(&["dse", "worker", "s", "--storage", url]);
    // (l2mac redacts the user part of any URL it prints)
    assert!(
        err.contains("study storage postgresql://") && err.contains("@127.0.0.1:1/studies"),
        "{err}"
    );
    assert!(err.contains("Connection refused"), "{err}");
    let spec = tmp.path().join("s.toml");
    std::fs::write(
        &spec,
        study_tools::dram_spec(tmp.path(), "s", url, 5, "random"),
    )
    .expect("spec");
    let out = tmp.path().join("out");
    let err = fails(&[
        "dse",
        "run",
        &spec.to_string_lossy(),
        "-o",
        &out.to_string_lossy(),
    ]);
    assert!(err.contains("127.0.0.1:1"), "{err}");
    assert!(
        !out.exists(),
        "no run directory for a study that could not be stored"
    );
    let missing = tmp.path().join("nowhere/x.db");
    let err = fails(&[
        "dse",
        "worker",
        "s",
        "--storage",
        &format!("sqlite:///{}", missing.display()),
    ]);
    assert!(
        err.contains("no database file") && err.contains("nowhere/x.db"),
        "{err}"
    );
    assert!(
        !missing.exists() && !missing.parent().expect("dir").exists(),
        "nothing created"
    );
    let err = fails(&["dse", "worker", "s", "--storage", "mysql://u@h/db"]);
    assert!(
        err.contains("expected sqlite:///FILE or postgresql://"),
        "{err}"
    );
}

#[test]
fn a_schema_version_l2mac_does_not_know_is_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let url = study_db(tmp.path());
    let db = tmp.path().join("shared.db");
    rusqlite::Connection::open(&db)
        .and_then(|c| {
            c.execute_batch(
                "UPDATE version_info SET schema_version = 13, library_version = '9.0.0'",
            )
        })
        .expect("age the schema");
    let before = dump(&db);
    let err = fails(&["dse", "worker", "kept", "--storage", &url]);
    assert!(
        err.contains("schema_version is 13 (written by 9.0.0)"),
        "{err}"
    );
    assert!(err.contains(&url), "the message names the storage: {err}");
    let spec = tmp.path().join("other.toml");
    std::fs::write(
        &spec,
        study_tools::dram_spec(tmp.path(), "other", &url, 5, "random"),
    )
    .expect("spec");
    let out = tmp.path().join("out");
    let err = fails(&[
        "dse",
        "run",
        &spec.to_string_lossy(),
        "-o",
        &out.to_string_lossy(),
    ]);
    assert!(err.contains("schema_version is 13"), "{err}");
    assert!(!out.exists());
    // an alembic revision from another Optuna is refused too
    rusqlite::Connection::open(&db)
        .and_then(|c| c.execute_batch("UPDATE version_info SET schema_version = 12; UPDATE alembic_version SET version_num = 'v9.9.9.a'"))
        .expect("edit");
    let before2 = dump(&db);
    let err = fails(&["dse", "best", "kept", "--storage", &url]);
    assert!(err.contains("alembic_version is v9.9.9.a"), "{err}");
    assert_eq!(dump(&db), before2, "nothing written");
    assert_ne!(before, before2);
}

#[test]
fn a_study_name_that_does_not_exist_is_named_with_the_ones_that_do() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let url = study_db(tmp.path());
    let db = tmp.path().join("shared.db");
    let before = dump(&db);
    let err = fails(&["dse", "worker", "kep", "--storage", &url]);
    assert!(
        err.contains("no study named `kep` (it holds kept)"),
        "{err}"
    );
    let err = fails(&["dse", "best", "kep", "--storage", &url]);
    assert!(err.contains("no study named `kep`"), "{err}");
    assert_eq!(dump(&db), before, "nothing written");
}

#[test]
fn a_study_name_missing_on_postgres_is_the_same_clear_error() {
    let Some(url) = study_tools::fresh_pg("names") else {
        return;
    };
    let err = fails(&["dse", "worker", "nope", "--storage", &url]);
    // a fresh database has no Optuna tables yet: they are not created by a worker that fails
    assert!(
        err.contains("study storage") && err.contains("nope") || err.contains("version_info"),
        "{err}"
    );
    let mut c = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
    let n: i64 = c
        .query_one(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'",
            &[],
        )
        .expect("count")
        .get(0);
    assert_eq!(n, 0, "nothing written");
}
