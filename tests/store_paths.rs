//! The file store's containment promises, tested the way an adversarial model would probe them:
//! symlinks planted by a check command, and random path strings (proptest).

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Component, Path};

use l2mac::store::{FileStore, StoreError};
use proptest::prelude::*;
use tempfile::TempDir;

/// A store at `<tmp>/root` with a sibling `<tmp>/outside` folder holding one file, and symlinks
/// inside the root pointing out (to the folder and to the file) and in (to a folder in the root).
struct Fixture {
    _tmp: TempDir,
    store: FileStore,
    outside: std::path::PathBuf,
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    fs::create_dir(&outside).unwrap();
    fs::write(outside.join("secret.txt"), "top secret").unwrap();
    let store = FileStore::open(tmp.path().join("root")).unwrap();
    fs::create_dir(store.root().join("real")).unwrap();
    symlink(&outside, store.root().join("out_dir")).unwrap();
    symlink(outside.join("secret.txt"), store.root().join("out_file")).unwrap();
    symlink(store.root().join("real"), store.root().join("in_dir")).unwrap();
    Fixture {
        _tmp: tmp,
        store,
        outside,
    }
}

/// Every file and folder under `dir`, as relative paths, sorted.
fn contents(dir: &Path) -> Vec<String> {
    let mut all: Vec<String> = walkdir::WalkDir::new(dir)
        .min_depth(1)
        .into_iter()
        .map(|e| {
            e.unwrap()
                .path()
                .strip_prefix(dir)
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    all.sort();
    all
}

#[test]
fn symlinks_are_refused_for_every_operation() {
    let f = fixture();
    let s = &f.store;
    for p in [
        "out_dir/secret.txt",
        "out_dir/new.txt",
        "out_dir/deep/new.txt",
        "in_dir/x.txt",
    ] {
        assert!(
            matches!(s.write(p, "pwned"), Err(StoreError::Symlink { .. })),
            "write {p}"
        );
    }
    assert!(matches!(s.read("out_file"), Err(StoreError::Symlink { path }) if path == "out_file"));
    assert!(
        matches!(s.read("out_dir/secret.txt"), Err(StoreError::Symlink { path }) if path == "out_dir")
    );
    assert!(matches!(
        s.write("out_file", "pwned"),
        Err(StoreError::Symlink { .. })
    ));
    assert!(matches!(
        s.delete("out_file"),
        Err(StoreError::Symlink { .. })
    ));
    assert!(matches!(
        s.list(Some("out_dir")),
        Err(StoreError::Symlink { .. })
    ));
    assert!(!s.exists("out_dir/secret.txt"));
    assert_eq!(contents(&f.outside), vec!["secret.txt"]);
    assert_eq!(
        fs::read_to_string(f.outside.join("secret.txt")).unwrap(),
        "top secret"
    );
    // Symlinks are also invisible to listings and snapshots, so nothing outside leaks in.
    assert_eq!(s.list(None).unwrap(), vec![]);
    assert!(s.snapshot().unwrap().is_empty());
}

#[test]
fn error_messages_tell_the_model_what_to_do() {
    let f = fixture();
    let msg = f.store.write("/etc/passwd", "x").unwrap_err().to_string();
    assert_eq!(
        msg,
        "`/etc/passwd` is an absolute path; use a path relative to the project root \
         (e.g. `app/main.py`, not `/app/main.py`)"
    );
    let msg = f
        .store
        .read("../outside/secret.txt")
        .unwrap_err()
        .to_string();
    assert_eq!(
        msg,
        "`../outside/secret.txt` contains `..`; paths must stay inside the project root, \
         so name the file from the root without `..`"
    );
}

/// Path pieces chosen to hit every rule: traversal, absolute and drive prefixes, the control
/// folder in several cases, symlinks from the fixture, separators, NUL and control characters.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("..".to_string()),
        Just(".".to_string()),
        Just("".to_string()),
        Just("/".to_string()),
        Just("\\".to_string()),
        Just("C:".to_string()),
        Just("~".to_string()),
        Just(".l2mac".to_string()),
        Just(".L2Mac".to_string()),
        Just("out_dir".to_string()),
        Just("out_file".to_string()),
        Just("in_dir".to_string()),
        Just("real".to_string()),
        Just("\0".to_string()),
        Just("\n".to_string()),
        "[a-z]{1,6}",
        "[a-zA-Z0-9 ._:é-]{1,8}",
    ]
}

fn random_path() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            piece(),
            prop_oneof![Just("/"), Just("\\"), Just("//"), Just("")],
        ),
        1..6,
    )
    .prop_map(|v| v.into_iter().map(|(p, sep)| format!("{p}{sep}")).collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn resolved_paths_stay_inside_the_root(rel in random_path()) {
        let f = fixture();
        if let Ok(abs) = f.store.resolve(&rel) {
            prop_assert!(abs.starts_with(f.store.root()), "{rel:?} -> {abs:?}");
            let tail = abs.strip_prefix(f.store.root()).unwrap();
            prop_assert!(tail.components().all(|c| matches!(c, Component::Normal(_))), "{rel:?} -> {abs:?}");
            let first = tail.components().next().map(|c| c.as_os_str().to_string_lossy().to_lowercase());
            prop_assert_ne!(first.as_deref(), Some(".l2mac"));
        }
    }

    #[test]
    fn writes_land_inside_the_root_or_nowhere(rel in random_path()) {
        let f = fixture();
        let outside_before = contents(&f.outside);
        match f.store.write(&rel, "data") {
            Ok(()) => {
                let abs = f.store.resolve(&rel).unwrap();
                let real = abs.canonicalize().unwrap();
                prop_assert!(real.starts_with(f.store.root()), "{rel:?} wrote {real:?}");
                prop_assert_eq!(f.store.read(&rel).unwrap(), "data");
            }
            Err(_) => {
                // A refused write leaves no trace at all inside the root either (only the fixture).
                prop_assert_eq!(contents(f.store.root()), vec!["in_dir", "out_dir", "out_file", "real"]);
            }
        }
        prop_assert_eq!(contents(&f.outside), outside_before);
        let top: Vec<_> = fs::read_dir(f.store.root().parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        prop_assert_eq!(top, vec!["outside", "root"]);
    }
}

/// Issue 14, hole 2: a process that flips a folder between a real folder and a symlink to the
/// outside while the store writes into it must never get a byte written outside.
#[test]
fn a_racing_symlink_cannot_redirect_a_write() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("run");
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(&outside).expect("mkdir");
    let store = l2mac::store::FileStore::open(&root).expect("store");
    let stop = Arc::new(AtomicBool::new(false));
    // `d` is a real folder and `d.alt` a symlink to the outside; swapping the two names
    // atomically, over and over, makes `d` flip between them with no moment of absence.
    std::fs::create_dir(store.root().join("d")).expect("mkdir");
    std::os::unix::fs::symlink(&outside, store.root().join("d.alt")).expect("symlink");
    let flipper = {
        let (stop, root) = (stop.clone(), store.root().to_path_buf());
        std::thread::spawn(move || {
            let cwd = rustix::fs::CWD;
            let (d, alt) = (root.join("d"), root.join("d.alt"));
            while !stop.load(Ordering::Relaxed) {
                let _ = rustix::fs::renameat_with(
                    cwd,
                    &d,
                    cwd,
                    &alt,
                    rustix::fs::RenameFlags::EXCHANGE,
                );
            }
        })
    };
    let (start, mut i) = (std::time::Instant::now(), 0);
    while start.elapsed() < std::time::Duration::from_secs(3) {
        let _ = store.write("d/f.txt", &format!("write {i}\n"));
        i += 1;
    }
    stop.store(true, Ordering::Relaxed);
    flipper.join().expect("join");
    let escaped: Vec<_> = std::fs::read_dir(&outside)
        .expect("read")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert!(escaped.is_empty(), "written outside the store: {escaped:?}");
}
