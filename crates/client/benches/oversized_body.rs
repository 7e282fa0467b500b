//! A hostile server answers a job-status poll with a 2 GiB body, streamed without a length.
//! The client reads up to its cap (8 MiB by default), stops, and reports `Error::TooLarge`;
//! this prints the process's peak resident memory (VmHWM) and how much the server managed to
//! send before the client hung up.
//!
//! `cargo bench -p sixtyfour --bench oversized_body`

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::body::{Body, Bytes};
use sixtyfour::{Client, Error, RetryPolicy, TaskId};

const BODY: u64 = 2 << 30;
const CHUNK: usize = 256 * 1024;

/// Peak resident memory of this process, in KiB (Linux `VmHWM`).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let sent = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&sent);
        let app = axum::Router::new().fallback(move || {
            let counter = Arc::clone(&counter);
            async move {
                static DATA: [u8; CHUNK] = [b' '; CHUNK];
                let chunks = (BODY / CHUNK as u64) as usize;
                let stream = futures_util::stream::iter(0..chunks).map(move |_| {
                    counter.fetch_add(CHUNK as u64, Ordering::Relaxed);
                    Ok::<_, std::io::Error>(Bytes::from_static(&DATA))
                });
                Body::from_stream(stream)
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });

        let client = Client::builder()
            .api_key("k")
            .base_url(base)
            .rate_limit(None)
            .retry_policy(RetryPolicy::none())
            .build()
            .expect("client");
        let before = peak_rss_kib().unwrap_or_default();
        let started = Instant::now();
        let outcome = client.job_status(&TaskId::new("t-1").expect("id")).await;
        let elapsed = started.elapsed();
        let after = peak_rss_kib().unwrap_or_default();
        match outcome {
            Err(Error::TooLarge { limit, .. }) => println!(
                "2 GiB status body refused at the {} MiB cap in {:.2} s; server sent {:.1} MiB before the client hung up; peak RSS {:.1} MiB (before the call {:.1} MiB)",
                limit >> 20,
                elapsed.as_secs_f64(),
                sent.load(Ordering::Relaxed) as f64 / f64::from(1 << 20),
                after as f64 / 1024.0,
                before as f64 / 1024.0,
            ),
            other => println!("unexpected outcome: {other:?}"),
        }
    });
}

use futures_util::StreamExt as _;
