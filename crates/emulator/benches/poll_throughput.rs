//! Status-poll throughput on loopback, side by side: the in-memory emulator and the server
//! with its SQLite store (`sixtyfour serve`'s default), and the memory of finished jobs.
//!
//! A small HTTP/1.1 keep-alive load generator (raw sockets, so the client costs little) polls
//! completed jobs from several connections for a few seconds. As a baseline in the same run it
//! polls an unknown task id (the cheapest authenticated path: a 404) and reports the ratio.
//! Then it creates 100,000 finished jobs and reports the resident memory they add.
//!
//! `cargo bench -p sixtyfour-emulator --bench poll_throughput`

use std::time::{Duration, Instant};

use std::sync::Arc;

use serde_json::json;
use sixtyfour_emulator::{Emulator, Latency};
use sixtyfour_server::Server;
use sixtyfour_server::keys::{KeyEntry, Keyring, Keys};
use sixtyfour_server::researcher::{Directory, DirectoryResearcher};
use sixtyfour_server::store::SqliteStore;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CONNECTIONS: usize = 32;
const SECONDS: f64 = 4.0;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// Reads one HTTP response (headers, then Content-Length bytes) from a keep-alive stream.
async fn read_response(stream: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<u16> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buf[..end]).unwrap_or("");
            let status: u16 = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
            let length: usize = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })
                .unwrap_or(0);
            let total = end + 4 + length;
            while buf.len() < total {
                let mut chunk = [0u8; 16384];
                let n = stream.read(&mut chunk).await?;
                if n == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            buf.drain(..total);
            return Ok(status);
        }
        let mut chunk = [0u8; 16384];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

async fn load(addr: std::net::SocketAddr, key: &str, paths: Vec<String>, expect: u16) -> f64 {
    let deadline = Instant::now() + Duration::from_secs_f64(SECONDS);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CONNECTIONS {
        let path = paths[c % paths.len()].clone();
        let request =
            format!("GET {path} HTTP/1.1\r\nhost: bench\r\nx-api-key: {key}\r\n\r\n").into_bytes();
        tasks.push(tokio::spawn(async move {
            let mut stream = TcpStream::connect(addr).await.expect("connect");
            stream.set_nodelay(true).ok();
            let mut buf = Vec::with_capacity(16384);
            let mut done = 0u64;
            while Instant::now() < deadline {
                stream.write_all(&request).await.expect("write");
                let status = read_response(&mut stream, &mut buf).await.expect("read");
                assert_eq!(status, expect);
                done += 1;
            }
            done
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.expect("load task");
    }
    total as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let emulator = Emulator::builder()
            .latency(Latency::Fixed(Duration::ZERO))
            .spawn()
            .await
            .expect("emulator");
        let http = reqwest::Client::new();
        let mut ids = Vec::new();
        for i in 0..64 {
            let body = json!({
                "lead_info": {"email": format!("lead{i}@nowhere.example"), "name": "Rafael Núñez", "company": "Lanternfish Labs"},
                "struct": {"name": "Full name", "email": "Email", "title": "Job title", "company": "Company", "location": "Location"}
            });
            let submitted: serde_json::Value = http
                .post(format!("{}/enrich-lead-async", emulator.base_url()))
                .header("x-api-key", emulator.api_key())
                .json(&body)
                .send()
                .await
                .expect("submit")
                .json()
                .await
                .expect("json");
            ids.push(format!("/job-status/{}", submitted["task_id"].as_str().expect("task id")));
        }
        let key = emulator.api_key().to_owned();
        let baseline = load(emulator.addr(), &key, vec!["/job-status/unknown".into()], 404).await;
        let polls = load(emulator.addr(), &key, ids, 200).await;
        println!("emulator (in-memory store): status polls of completed jobs: {polls:.0} requests/s ({CONNECTIONS} keep-alive connections, {SECONDS} s, load generator in the same process)");
        println!("emulator baseline, unknown task id (404): {baseline:.0} requests/s");
        println!("emulator ratio polls / baseline: {:.2}", polls / baseline);
        drop(emulator);

        // The server with the SQLite store, default settings, on a file in a temporary dir.
        let dir = std::env::temp_dir().join(format!("sixtyfour-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let server = Server::builder()
            .store(Arc::new(SqliteStore::open(dir.join("jobs.db")).expect("sqlite store")))
            .researcher(Arc::new(DirectoryResearcher::new(Directory::builtin())))
            .keys(Arc::new(Keys::fixed(Keyring::new(vec![KeyEntry::new("bench", &key)]).expect("keys"))))
            .build()
            .expect("server");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let running = server.start(listener).expect("start");
        let base = format!("http://{}", running.addr());
        let mut sqlite_ids = Vec::new();
        for i in 0..64 {
            let body = json!({
                "lead_info": {"email": format!("lead{i}@nowhere.example"), "name": "Rafael Núñez", "company": "Lanternfish Labs"},
                "struct": {"name": "Full name", "email": "Email", "title": "Job title", "company": "Company", "location": "Location"}
            });
            let result: serde_json::Value = http
                .post(format!("{base}/enrich-lead"))
                .header("x-api-key", &key)
                .json(&body)
                .send()
                .await
                .expect("sync submit")
                .json()
                .await
                .expect("json");
            assert!(result["structured_data"].is_object());
            let submitted: serde_json::Value = http
                .post(format!("{base}/enrich-lead-async"))
                .header("x-api-key", &key)
                .json(&body)
                .send()
                .await
                .expect("submit")
                .json()
                .await
                .expect("json");
            sqlite_ids.push(format!("/job-status/{}", submitted["task_id"].as_str().expect("task id")));
        }
        // Wait until the async ones are done (the sync ones before them show the workers run).
        for path in &sqlite_ids {
            loop {
                let status: serde_json::Value = http.get(format!("{base}{path}")).header("x-api-key", &key).send().await.expect("poll").json().await.expect("json");
                if status["status"] == "completed" {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        let sqlite_baseline = load(running.addr(), &key, vec!["/job-status/unknown".into()], 404).await;
        let sqlite_polls = load(running.addr(), &key, sqlite_ids, 200).await;
        println!("server, SQLite store: status polls of completed jobs: {sqlite_polls:.0} requests/s (same load)");
        println!("server, SQLite store, baseline unknown task id (404): {sqlite_baseline:.0} requests/s");
        println!("SQLite server / in-memory emulator: {:.2} (goal: >= 20,000 requests/s)", sqlite_polls / polls);
        running.shutdown().await;
        std::fs::remove_dir_all(&dir).ok();

        let emulator = Emulator::builder()
            .latency(Latency::Fixed(Duration::ZERO))
            .spawn()
            .await
            .expect("emulator");
        let body = json!({
            "lead_info": {"name": "Rafael Núñez", "company": "Lanternfish Labs"},
            "struct": {"name": "Full name", "email": "Email", "title": "Job title", "company": "Company", "location": "Location", "industry": "Industry"}
        })
        .to_string();
        let before = rss_kib();
        let jobs = 100_000;
        let url = format!("{}/enrich-lead-async", emulator.base_url());
        let started = Instant::now();
        let mut pending = Vec::new();
        for _ in 0..jobs {
            let request = http.post(&url).header("x-api-key", &key).header("content-type", "application/json").body(body.clone());
            pending.push(tokio::spawn(async move { request.send().await.map(|r| r.status().as_u16()) }));
            if pending.len() == 256 {
                for p in pending.drain(..) {
                    assert_eq!(p.await.expect("task").expect("submit"), 200);
                }
            }
        }
        for p in pending {
            assert_eq!(p.await.expect("task").expect("submit"), 200);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        let after = rss_kib();
        assert_eq!(emulator.job_count(), jobs);
        println!(
            "{jobs} finished jobs kept: +{:.1} MiB resident ({:.0} bytes per job); submitted at {:.0} jobs/s",
            (after.saturating_sub(before)) as f64 / 1024.0,
            (after.saturating_sub(before) * 1024) as f64 / jobs as f64,
            jobs as f64 / started.elapsed().as_secs_f64()
        );
    });
}
