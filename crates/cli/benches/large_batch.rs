//! Memory and speed of a large batch: `sixtyfour enrich` on 100,000 CSV rows against an
//! emulator with zero latency (in this process; the CLI runs as a child). Prints the CLI's peak
//! resident memory, from its own summary line, and rows per second; then the same for 10,000
//! rows, so that the two peaks show whether memory grows with the number of rows.
//!
//! `cargo bench -p sixtyfour-cli --bench large_batch`

use std::process::Command;
use std::time::{Duration, Instant};

use sixtyfour_emulator::{Emulator, Latency};

fn run(rows: usize, emulator: &sixtyfour_emulator::EmulatorHandle) -> (f64, f64, f64) {
    let dir = std::env::temp_dir().join(format!(
        "sixtyfour-large-batch-{}-{rows}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut csv = String::from("name,company,city\n");
    for i in 0..rows {
        csv.push_str(&format!(
            "Lead Number {i},Company {},City {}\n",
            i % 977,
            i % 31
        ));
    }
    std::fs::write(dir.join("leads.csv"), csv).expect("input");
    std::fs::write(
        dir.join("fields.json"),
        r#"{"email": "The individual's email address", "title": "The individual's job title", "employees": {"description": "Company size", "type": "int"}}"#,
    )
    .expect("fields");
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_sixtyfour"))
        .current_dir(&dir)
        .env("SIXTYFOUR_API_KEY", emulator.api_key())
        .args([
            "enrich",
            "leads.csv",
            "--fields",
            "fields.json",
            "-o",
            "out.jsonl",
            "-j",
            "64",
            "--rate-limit",
            "0",
        ])
        .args([
            "--base-url",
            &emulator.base_url(),
            "--poll-initial",
            "1ms",
            "--poll-max",
            "5ms",
            "--quiet",
        ])
        .output()
        .expect("run the CLI");
    let wall = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let lines = std::fs::read_to_string(dir.join("out.jsonl"))
        .expect("output")
        .lines()
        .count();
    assert_eq!(lines, rows);
    let peak = stderr
        .split("peak memory ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse::<f64>().ok())
        .unwrap_or(f64::NAN);
    let _ = std::fs::remove_dir_all(&dir);
    (peak, rows as f64 / wall, wall)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let emulator = runtime
        .block_on(
            Emulator::builder()
                .latency(Latency::Fixed(Duration::ZERO))
                .job_ttl(Duration::from_secs(30))
                .spawn(),
        )
        .expect("emulator");
    for rows in [10_000, 100_000] {
        let (peak, rate, wall) = run(rows, &emulator);
        println!(
            "{rows} rows: peak memory of the CLI {peak:.1} MiB, {rate:.0} rows/s ({wall:.1} s, journal and output included)"
        );
    }
}
