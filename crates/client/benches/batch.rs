//! A batch through `enrich_all` against the emulator: 2,000 leads, job latency fixed at
//! 200 ms, concurrency 100. The ideal is 2,000 / 100 x 200 ms = 4.0 s; this prints the wall
//! time, the ratio to the ideal, and the status polls per job.
//!
//! `cargo bench -p sixtyfour --bench batch`

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::json;
use sixtyfour::{Client, EnrichRequest, PollPolicy, Schema};
use sixtyfour_emulator::{Emulator, Latency};

const LEADS: usize = 2_000;
const CONCURRENCY: usize = 100;
const LATENCY: Duration = Duration::from_millis(200);

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let emulator = Emulator::builder().latency(Latency::Fixed(LATENCY)).spawn().await.expect("emulator");
        let schema = Schema::builder()
            .describe("email", "The individual's email address")
            .describe("title", "The individual's job title")
            .describe("location", "The individual's location")
            .build()
            .expect("schema");
        for (name, poll) in [
            ("poll policy matched to the latency (first poll at 200 ms)", PollPolicy { initial: LATENCY, factor: 1.5, max: Duration::from_secs(1) }),
        ] {
            emulator.reset();
            let client = Client::builder()
                .api_key(emulator.api_key())
                .base_url(emulator.base_url())
                .poll_policy(poll)
                .rate_limit(None)
                .build()
                .expect("client");
            let requests: Vec<EnrichRequest> = (0..LEADS)
                .map(|i| {
                    EnrichRequest::from_lead(&json!({"name": format!("Lead {i}"), "company": "Lanternfish Labs"}), schema.clone())
                        .expect("request")
                })
                .collect();
            let started = Instant::now();
            let mut failures = 0;
            let mut results = client.enrich_all(requests, CONCURRENCY);
            while let Some((_, result)) = results.next().await {
                failures += usize::from(result.is_err());
            }
            let wall = started.elapsed().as_secs_f64();
            let ideal = LEADS as f64 / CONCURRENCY as f64 * LATENCY.as_secs_f64();
            let stats = emulator.stats();
            println!("{name}:");
            println!(
                "  {LEADS} leads, concurrency {CONCURRENCY}, latency {} ms: wall {wall:.2} s, ideal {ideal:.2} s, ratio {:.3}; {:.2} status polls per job; {failures} failures; most jobs in flight {}",
                LATENCY.as_millis(),
                wall / ideal,
                stats.status_polls as f64 / LEADS as f64,
                stats.max_in_flight,
            );
        }
    });
}
