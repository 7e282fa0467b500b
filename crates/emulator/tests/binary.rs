//! The `sixtyfour-emulator` binary as a conformance suite starts it: flags, a directory file,
//! the address it prints, and a clear error for bad flags.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

#[tokio::test]
async fn the_binary_serves_with_its_flags() {
    let dir = std::env::temp_dir().join(format!("sixtyfour-emulator-bin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let directory = dir.join("people.jsonl");
    std::fs::write(&directory, "{\"name\": \"Ada Quill\", \"company\": \"Lanternfish\", \"email\": \"ada@lanternfish.example\", \"title\": \"CTO\"}\n").unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_sixtyfour-emulator"))
        .args([
            "--addr",
            "127.0.0.1:0",
            "--api-key",
            "k-123",
            "--latency",
            "10ms",
            "--directory",
        ])
        .arg(&directory)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let base = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_owned();

    let http = reqwest::Client::new();
    let answer: Value = http
        .post(format!("{base}/enrich-lead"))
        .header("x-api-key", "k-123")
        .json(&json!({"lead_info": {"email": "ADA@lanternfish.example"}, "struct": {"title": "Job title"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["structured_data"]["title"], "CTO");
    let wrong = http
        .get(format!("{base}/job-status/x"))
        .header("x-api-key", "emulator-key")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), reqwest::StatusCode::UNAUTHORIZED);
    let stats: Value = http
        .get(format!("{base}/_emulator/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["submits"]["enrich_lead"], 1);
    child.kill().unwrap();
    child.wait().unwrap();

    let bad = Command::new(env!("CARGO_BIN_EXE_sixtyfour-emulator"))
        .args([
            "--addr",
            "127.0.0.1:0",
            "--fail-500",
            "0.7",
            "--fail-503",
            "0.7",
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("add up to"));

    let zero = Command::new(env!("CARGO_BIN_EXE_sixtyfour-emulator"))
        .args(["--addr", "127.0.0.1:0", "--time-scale", "0"])
        .output()
        .unwrap();
    assert_eq!(zero.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&zero.stderr).contains("time scale must be a positive number"));

    let lognormal = Command::new(env!("CARGO_BIN_EXE_sixtyfour-emulator"))
        .args([
            "--addr",
            "127.0.0.1:0",
            "--latency",
            "lognormal:90s,p95=30s",
        ])
        .output()
        .unwrap();
    assert_eq!(lognormal.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&lognormal.stderr).contains("below the median"));
    std::fs::remove_dir_all(&dir).ok();
}
