//! Helpers shared by the server's tests: temporary directories, keys files, the server binary
//! as a child process, a webhook receiver, PostgreSQL databases, and waiting on observable
//! state with a generous bound.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode};
use sixtyfour_server::keys::hash_key;

/// A directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "sixtyfour-server-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A keys file entry for a plain key.
pub fn key_entry(name: &str, key: &str, extra: &str) -> String {
    format!(
        "[[keys]]\nname = \"{name}\"\nsha256 = \"{}\"\n{extra}\n",
        hash_key(key)
    )
}

/// Polls `check` every 20 ms until it yields a value; panics after `limit`.
pub async fn wait_for<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The server binary running as a child process; killed on drop.
pub struct ServerProcess {
    pub child: Child,
    pub base: String,
}

impl ServerProcess {
    /// Starts `sixtyfour-server` with `args` and waits for its readiness line.
    pub fn start(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sixtyfour-server"))
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_owned();
        ServerProcess { child, base }
    }

    /// SIGKILL, then wait for the process to be gone.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One webhook delivery as received.
#[derive(Clone, Debug)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// A webhook receiver on 127.0.0.1 that answers 500 while `refusing` is set.
#[derive(Clone, Default)]
pub struct Receiver {
    pub deliveries: Arc<Mutex<Vec<Received>>>,
    pub refusing: Arc<std::sync::atomic::AtomicBool>,
}

impl Receiver {
    pub async fn start() -> (String, Receiver) {
        use axum::routing::post;
        let receiver = Receiver::default();
        let state = receiver.clone();
        let app = axum::Router::new().route(
            "/hook",
            post(move |headers: HeaderMap, body: axum::body::Bytes| {
                let state = state.clone();
                async move {
                    if state.refusing.load(Ordering::SeqCst) {
                        return StatusCode::INTERNAL_SERVER_ERROR;
                    }
                    state.deliveries.lock().unwrap().push(Received {
                        headers,
                        body: body.to_vec(),
                    });
                    StatusCode::OK
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (url, receiver)
    }

    pub fn received(&self) -> Vec<Received> {
        self.deliveries.lock().unwrap().clone()
    }
}

/// The PostgreSQL server the tests use: `SIXTYFOUR_TEST_POSTGRES_URL`
/// (`postgres://user@host:port/db`). Without it the test is skipped with a message, unless
/// `CI` is set: there the variable is required (`.ci/run` starts PostgreSQL and sets it).
pub fn postgres_url(test: &str) -> Option<String> {
    match std::env::var("SIXTYFOUR_TEST_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => panic!(
            "{test}: SIXTYFOUR_TEST_POSTGRES_URL is not set; in CI it must be (.ci/run starts PostgreSQL and exports it)"
        ),
        _ => {
            // Written to stderr directly, past the test harness's capture, so that a skip shows.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {test}: set SIXTYFOUR_TEST_POSTGRES_URL=postgres://user@127.0.0.1:5432/postgres to run it"
            );
            None
        }
    }
}

/// A fresh database on the test server; its URL.
pub async fn fresh_database(url: &str, name: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let db = format!(
        "sixtyfour_{name}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
    tokio::spawn(connection);
    for statement in [
        format!("DROP DATABASE IF EXISTS {db}"),
        format!("CREATE DATABASE {db}"),
    ] {
        client.execute(&statement, &[]).await.unwrap();
    }
    let (base, _) = url.rsplit_once('/').expect("a URL ending in /DATABASE");
    format!("{base}/{db}")
}

pub fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}
