//! `--webhook-listen`: the CLI receives the emulator's signed callbacks during the run, records
//! their results, and polls far less than without them; a wrong secret only costs polls.

mod common;

use std::process::Command;
use std::time::Duration;

use common::*;
use sixtyfour_emulator::{Emulator, Latency};

const SECRET: &str = "whsec_cli_test";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs `rows` leads against a fresh emulator signing its callbacks with [`SECRET`], with the
/// CLI receiving them (with `hooks` as its secret) or not; the status polls it made.
async fn enrich(rows: usize, hooks: Option<&str>) -> u64 {
    let emulator = &Emulator::builder()
        .latency(Latency::Range(
            Duration::from_millis(400),
            Duration::from_millis(1200),
        ))
        .webhook_secret(SECRET)
        .spawn()
        .await
        .unwrap();
    let (dir, titles) = csv_workdir(rows);
    let mut command = Command::new(BIN);
    command
        .current_dir(dir.path())
        .env("SIXTYFOUR_API_KEY", emulator.api_key())
        .env_remove("SIXTYFOUR_BASE_URL")
        .env_remove("SIXTYFOUR_API_KEY_FILE")
        .env_remove("SIXTYFOUR_WEBHOOK_SECRET")
        .args(["enrich", "--base-url", &emulator.base_url()])
        .args(["--poll-initial", "20ms", "--poll-max", "100ms"])
        .args(["--rate-limit", "2400", "--quiet"])
        .args(["leads.csv", "--fields", "fields.json", "-o", "out.jsonl"]);
    if let Some(secret) = hooks {
        let port = free_port();
        command.args([
            "--webhook-listen",
            &format!("127.0.0.1:{port}"),
            "--webhook-url",
            &format!("http://127.0.0.1:{port}/hooks"),
            "--webhook-secret",
            secret,
        ]);
    }
    let out = run(command).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows_out = jsonl_rows(&dir.path().join("out.jsonl"));
    for (i, row) in rows_out.iter().enumerate() {
        assert_eq!(row["structured_data"]["title"], titles[i].as_str(), "{row}");
    }
    assert_jobs_per_row(&rows_out, &jobs_per_lead(emulator), 1);
    emulator.stats().status_polls
}

#[tokio::test(flavor = "multi_thread")]
async fn callbacks_carry_the_results_and_spare_the_polls() {
    let polled = enrich(60, None).await;
    let called_back = enrich(60, Some(SECRET)).await;
    assert!(
        called_back * 2 < polled,
        "{called_back} polls with callbacks, {polled} without"
    );
    // A wrong secret: every delivery is refused, and the jobs are found by polls.
    let refused = enrich(20, Some("whsec_wrong")).await;
    assert!(refused > 0);
}
