//! What opening a ledger file refuses, and what it leaves alone: spellings of one file share one
//! lock, a file with two names is refused, a dry run writes nothing, and a ledger never moves
//! between an in-process emulator and a server.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;
use sixtyfour::{EnrichRequest, Schema, TaskId};
use sixtyfour_ledger::{
    Api, ApiFuture, Durability, InputRow, KeyCheck, Ledger, LedgerError, LockError, OpenOptions,
    Server, SqliteStore, SubmitOutcome, SyncOptions, Template, WaitOutcome,
};
use sixtyfour_ledger::{RowState, Store as _};
use tokio::time::Instant;

/// An API that counts its calls and answers nothing useful.
#[derive(Default)]
struct Counting(AtomicUsize);

impl Api for Counting {
    fn submit<'a>(
        &'a self,
        _request: &'a EnrichRequest,
        _deadline: Option<Instant>,
    ) -> ApiFuture<'a, SubmitOutcome> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(async {
            SubmitOutcome::NotSent {
                reason: "counted".into(),
            }
        })
    }

    fn wait<'a>(&'a self, _task_id: &'a TaskId, _until: Instant) -> ApiFuture<'a, WaitOutcome> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(async {
            WaitOutcome::StillRunning {
                reason: "counted".into(),
            }
        })
    }

    fn check_key(&self, _deadline: Option<Instant>) -> ApiFuture<'_, KeyCheck> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { KeyCheck::Accepted })
    }
}

fn template() -> Template {
    Template::new(
        Schema::builder()
            .describe("title", "The individual's job title")
            .build()
            .unwrap(),
    )
}

fn server() -> Server {
    Server::url("http://127.0.0.1:9").unwrap()
}

fn open(path: &Path, server: Server, options: OpenOptions) -> Result<Ledger, LedgerError> {
    Ledger::open_with(
        path,
        Arc::new(Counting::default()),
        server,
        template(),
        options,
    )
}

fn rows() -> Vec<Result<InputRow, LedgerError>> {
    ["Ada Quill", "Bo Kestrel"]
        .iter()
        .map(|name| Ok(InputRow::from_lead(&json!({ "name": name })).unwrap()))
        .collect()
}

/// A ledger file with two rows, one marked `submitting` (a run killed mid-submit) and one
/// `submitted` with a task id.
fn stopped_ledger(path: &Path, server: Server) {
    {
        let mut ledger = open(path, server, OpenOptions::api_key("sk-one")).unwrap();
        ledger.sync(rows(), &SyncOptions::default()).unwrap();
    }
    let mut store = SqliteStore::open(path, Durability::Full).unwrap();
    store.mark_submitting(&[1, 2]).unwrap();
    store
        .record(
            2,
            &sixtyfour_ledger::store::Change::Submitted {
                task_id: "task-2".into(),
            },
        )
        .unwrap();
}

fn states(path: &Path) -> Vec<RowState> {
    let store = SqliteStore::open(path, Durability::Full).unwrap();
    let mut out = Vec::new();
    store
        .rows(1, &mut |row| {
            out.push(row.state);
            Ok(())
        })
        .unwrap();
    out
}

#[cfg(unix)]
#[test]
fn a_ledger_with_two_names_is_refused_before_any_request() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("batch.ledger");
    stopped_ledger(&path, server());
    let other = dir.path().join("other-name.ledger");
    std::fs::hard_link(&path, &other).unwrap();
    for name in [&path, &other] {
        let api = Arc::new(Counting::default());
        let err = Ledger::open_with(
            name,
            Arc::clone(&api) as Arc<dyn Api>,
            server(),
            template(),
            OpenOptions::api_key("sk-one"),
        )
        .unwrap_err();
        assert!(
            matches!(err, LedgerError::Usage { .. }) && err.to_string().contains("2 names"),
            "{err}"
        );
        assert_eq!(api.0.load(Ordering::SeqCst), 0);
    }
    // One name again: usable, and the stopped row is found.
    std::fs::remove_file(&other).unwrap();
    let ledger = open(&path, server(), OpenOptions::api_key("sk-one")).unwrap();
    assert_eq!(ledger.opened().interrupted, 1);
}

#[cfg(unix)]
#[test]
fn every_spelling_of_a_ledger_meets_the_same_lock_and_its_holder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("x")).unwrap();
    let path = dir.path().join("batch.ledger");
    let held = open(&path, server(), OpenOptions::api_key("sk-one")).unwrap();
    let link = dir.path().join("link.ledger");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    let dotted = dir.path().join("x").join("..").join("batch.ledger");
    for spelling in [&link, &dotted] {
        match open(spelling, server(), OpenOptions::api_key("sk-one")) {
            Err(LedgerError::Locked(LockError::Held { holder, .. })) => {
                assert_eq!(holder.pid, std::process::id(), "{}", spelling.display());
            }
            other => panic!("{}: {other:?}", spelling.display()),
        }
    }
    drop(held);
    assert!(open(&link, server(), OpenOptions::api_key("sk-one")).is_ok());
}

#[test]
fn opening_to_look_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("batch.ledger");
    stopped_ledger(&path, server());
    let before = states(&path);
    assert_eq!(before, [RowState::Submitting, RowState::Submitted]);
    {
        let ledger = open(
            &path,
            server(),
            OpenOptions::api_key("sk-one").inspect(true),
        )
        .unwrap();
        assert_eq!(ledger.opened().interrupted, 0);
    }
    assert_eq!(states(&path), before, "a dry run repairs nothing");
    // Opened for real, the row cut off mid-submit becomes unknown.
    let ledger = open(&path, server(), OpenOptions::api_key("sk-one")).unwrap();
    assert_eq!(ledger.opened().interrupted, 1);
    drop(ledger);
    assert_eq!(states(&path), [RowState::Unknown, RowState::Submitted]);

    // A ledger no request ever reached takes a new key silently, except when only looking.
    let fresh = dir.path().join("fresh.ledger");
    {
        let mut ledger = open(&fresh, server(), OpenOptions::api_key("sk-one")).unwrap();
        ledger.sync(rows(), &SyncOptions::default()).unwrap();
    }
    let fingerprint = || {
        SqliteStore::open(&fresh, Durability::Full)
            .unwrap()
            .meta("key_fingerprint")
            .unwrap()
    };
    let bound = fingerprint();
    drop(
        open(
            &fresh,
            server(),
            OpenOptions::api_key("sk-two").inspect(true),
        )
        .unwrap(),
    );
    assert_eq!(fingerprint(), bound);
    drop(open(&fresh, server(), OpenOptions::api_key("sk-two")).unwrap());
    assert_ne!(fingerprint(), bound);
}

#[test]
fn a_ledger_never_moves_between_an_emulator_and_a_server_even_when_rebound() {
    let dir = tempfile::tempdir().unwrap();
    let emulated = dir.path().join("emulated.ledger");
    stopped_ledger(&emulated, Server::InProcessEmulator);
    let real = dir.path().join("real.ledger");
    stopped_ledger(&real, server());
    let rows = [(&emulated, server()), (&real, Server::InProcessEmulator)];
    for (path, to) in rows {
        let before = states(path);
        for rebind in [false, true] {
            let err = open(
                path,
                to.clone(),
                OpenOptions::api_key("sk-one").rebind(rebind),
            )
            .unwrap_err();
            assert!(
                matches!(err, LedgerError::EmulatorAndServer { .. }),
                "{}: {err}",
                path.display()
            );
            assert!(err.to_string().contains("--journal OTHER"), "{err}");
            assert!(!err.to_string().contains("rebind it"), "{err}");
        }
        assert_eq!(states(path), before, "nothing moved");
    }
    // Between two servers, rebinding stays possible.
    let moved = open(
        &real,
        Server::url("http://127.0.0.1:10").unwrap(),
        OpenOptions::api_key("sk-one").rebind(true),
    )
    .unwrap();
    assert_eq!(moved.opened().rebound.as_ref().map(|(_, n)| *n), Some(2));
}

/// Leads and answers are personal data: a new ledger, its `-wal` and its lock file are their
/// owner's alone; a ledger file that exists keeps the permissions it was given.
#[cfg(unix)]
#[test]
fn a_new_ledger_is_its_owners_alone() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("private.ledger");
    let mut ledger = open(&path, server(), OpenOptions::api_key("sk-one")).unwrap();
    ledger.sync(rows(), &SyncOptions::default()).unwrap();
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&dir.path().join("private.ledger-wal")), 0o600);
    assert_eq!(mode(&dir.path().join("private.ledger.lock")), 0o600);
    drop(ledger);

    let shared = dir.path().join("shared.ledger");
    drop(open(&shared, server(), OpenOptions::api_key("sk-one")).unwrap());
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o640)).unwrap();
    drop(open(&shared, server(), OpenOptions::api_key("sk-one")).unwrap());
    assert_eq!(mode(&shared), 0o640);
}

/// Bytes that are not a ledger, a damaged ledger, and a ledger of a later format: each is
/// refused with a message naming the file, before any request, and nothing panics.
#[test]
fn damaged_and_foreign_files_are_refused_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.ledger");
    {
        let mut ledger = open(&good, server(), OpenOptions::api_key("sk-one")).unwrap();
        let many: Vec<Result<InputRow, LedgerError>> = (0..400)
            .map(|i| Ok(InputRow::from_lead(&json!({ "name": format!("Lead {i}") })).unwrap()))
            .collect();
        ledger.sync(many, &SyncOptions::default()).unwrap();
    }
    let bytes = std::fs::read(&good).unwrap();
    // Every page but the first (the header and the schema) overwritten.
    let mut damaged = bytes.clone();
    for byte in &mut damaged[4096..] {
        *byte = 0xa5;
    }
    let later = dir.path().join("later.ledger");
    std::fs::write(&later, &bytes).unwrap();
    {
        let mut store = SqliteStore::open(&later, Durability::Full).unwrap();
        store
            .set_meta(&[("format", "sixtyfour-ledger/99")])
            .unwrap();
    }
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "text.ledger",
            b"name,company\nAda,Kestrel\n".repeat(300),
            "not a ledger",
        ),
        ("damaged.ledger", damaged, "malformed"),
        ("cut.ledger", bytes[..3000].to_vec(), "malformed"),
    ];
    for (name, content, want) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        let api = Arc::new(Counting::default());
        let err = Ledger::open_with(
            &path,
            Arc::clone(&api) as Arc<dyn Api>,
            server(),
            template(),
            OpenOptions::api_key("sk-one"),
        )
        .map(|mut ledger| ledger.sync(rows(), &SyncOptions::default()).map(|_| ()))
        .and_then(|synced| synced)
        .unwrap_err();
        assert!(
            err.to_string().contains(want) && err.to_string().contains(name),
            "{name}: {err}"
        );
        assert_eq!(api.0.load(Ordering::SeqCst), 0);
    }
    let err = open(&later, server(), OpenOptions::api_key("sk-one")).unwrap_err();
    assert!(
        err.to_string().contains("sixtyfour-ledger/99")
            && err.to_string().contains("does not read"),
        "{err}"
    );
}
