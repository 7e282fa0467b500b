//! Throughput of a large batch at the API's latencies and rate limit: 2,000 leads through the
//! ledger's run (the code path of `sixtyfour enrich`: open, record the input, dispatch) against
//! an in-process emulator whose jobs take 60-300 s and whose key allows 500 requests a minute,
//! on a clock running 100 times as fast (`time scale 0.01`). The client's budget and poll
//! schedule are the defaults, scaled by the same factor; nothing else is tuned.
//!
//! Printed per setting, in unscaled time: jobs a minute (steady: jobs started a minute while
//! rows waited; and jobs seen done a minute between 10% and 90% of the batch), polls per job,
//! the mean detection lag (from the job's end, as the emulator's callback marks it, to the run
//! seeing it), and the ratio of the steady figure to the bound: `R / 2` (one poll a job, 250 a
//! minute) when polling, `R` (500) with webhooks. The webhook run receives the emulator's signed
//! callbacks with the ledger's receiver (`Callbacks`). The baseline is the per-row path (each job waited for on
//! its own with the client's poll schedule, 16 at once: the behaviour before the scheduler),
//! on fewer leads since it is slow.
//!
//! A third setting polls an emulator that reports no progress counts (every job `pending`
//! until it ends), for a server that does not count: there the lag target holds at more polls
//! a job.
//!
//! `cargo bench -p sixtyfour-cli --bench throughput` (`-- --leads N --baseline N --fields N
//! --scale F --only polling|no-progress|webhooks|before`)

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::post;
use futures_util::StreamExt;
use serde_json::json;
use sixtyfour::{Client, PollPolicy, RateLimit, RequestOptions, Schema};
use sixtyfour_emulator::{Emulator, Latency};
use sixtyfour_ledger::{Callbacks, Event, InputRow, Ledger, OpenOptions, RowState, RunOptions};
use tokio::time::Instant;

/// The API's budget: requests a minute per key.
const PER_MINUTE: u32 = 500;

type Ends = Arc<Mutex<HashMap<String, Instant>>>;

/// A receiver for the emulator's callbacks, which marks when each job ended; with `callbacks`,
/// the deliveries then go on to the run's receiver.
async fn end_marker(callbacks: Option<Callbacks>) -> (String, Ends) {
    let ends: Ends = Arc::default();
    let inner = match &callbacks {
        Some(callbacks) => callbacks.router(),
        None => Router::new().fallback(post(|| async { "ok" })),
    };
    let app = inner.layer(axum::middleware::from_fn_with_state(
        Arc::clone(&ends),
        mark,
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the callback receiver");
    let addr = listener.local_addr().expect("its address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/ended"), ends)
}

async fn mark(State(ends): State<Ends>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 16 << 20)
        .await
        .unwrap_or_default();
    if let Ok(event) = sixtyfour::webhook::parse_event(&bytes) {
        let mut ends = ends.lock().unwrap_or_else(|p| p.into_inner());
        ends.entry(event.task_id.as_str().to_owned())
            .or_insert_with(Instant::now);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[derive(Debug)]
struct Measure {
    leads: usize,
    /// Jobs started a minute, first submit to last.
    started_per_minute: f64,
    /// Jobs seen done a minute between 10% and 90% of the batch.
    done_per_minute: f64,
    /// All leads over the whole run.
    overall_per_minute: f64,
    polls_per_job: f64,
    lag: f64,
    lag_p90: f64,
    completed: usize,
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

const SECRET: &str = "whsec_bench";

async fn run(
    leads: usize,
    fields: usize,
    scale: f64,
    progress: bool,
    options: RunOptions,
) -> Measure {
    let (url, ends) = end_marker(options.callbacks.clone()).await;
    let emulator = Emulator::builder()
        .latency(Latency::Range(
            Duration::from_secs(60),
            Duration::from_secs(300),
        ))
        .time_scale(scale)
        .rate_limit(Some(PER_MINUTE))
        .webhook_secret(SECRET)
        .progress(progress)
        .seed(7)
        .spawn()
        .await
        .expect("start the emulator");
    let scaled = |d: Duration| d.mul_f64(scale);
    let poll = PollPolicy::default();
    let client = Client::builder()
        .api_key(emulator.api_key())
        .base_url(emulator.base_url())
        .rate_limit(Some(RateLimit::new(
            PER_MINUTE,
            scaled(Duration::from_secs(60)),
        )))
        .poll_policy(PollPolicy {
            initial: scaled(poll.initial),
            factor: poll.factor,
            max: scaled(poll.max),
        })
        .deadline(scaled(Duration::from_secs(20 * 60)))
        .build()
        .expect("the client")
        .with_options(RequestOptions::new().webhook_url(url));
    let dir = tempfile::tempdir().expect("temp dir");
    // Five fields, as a typical request asks for; the emulator reports progress in fields
    // done over the second half of a job.
    let schema = [
        ("email", "The individual's email address"),
        ("title", "The individual's job title"),
        ("linkedin", "The individual's LinkedIn URL"),
        ("location", "Where the individual is based"),
        ("phone", "The individual's phone number"),
    ]
    .into_iter()
    .take(fields.max(1))
    .fold(Schema::builder(), |builder, (name, description)| {
        builder.describe(name, description)
    })
    .build()
    .expect("schema");
    let mut ledger = Ledger::open(
        &dir.path().join("bench.ledger"),
        &client,
        &schema,
        OpenOptions::api_key(emulator.api_key()),
    )
    .expect("open the ledger");
    let submitted: Arc<Mutex<HashMap<u64, (String, Instant)>>> = Arc::default();
    let settled: Arc<Mutex<HashMap<u64, Instant>>> = Arc::default();
    let (s, d) = (Arc::clone(&submitted), Arc::clone(&settled));
    let options = options
        .job_timeout(scaled(Duration::from_secs(20 * 60)))
        .time_scale(scale)
        .events(move |event| match event {
            Event::Submitted { position, task_id } => {
                s.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(*position, (task_id.clone(), Instant::now()));
            }
            Event::Settled { position, .. } => {
                d.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(*position, Instant::now());
            }
            _ => {}
        });
    let rows: Vec<InputRow> = (0..leads)
        .map(|i| {
            InputRow::from_lead(
                &json!({"name": format!("Lead {i}"), "company": format!("Company {}", i % 97)}),
            )
            .expect("a lead")
        })
        .collect();
    let start = Instant::now();
    let outcomes: Vec<_> = ledger.run_raw(rows, &options).expect("run").collect().await;
    let wall = start.elapsed().as_secs_f64() / scale;
    let completed = outcomes
        .iter()
        .filter(|(_, row)| row.as_ref().is_ok_and(|r| r.state == RowState::Completed))
        .count();
    // Callbacks may trail the run by a delivery.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stats = emulator.stats();
    let submitted = submitted.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let settled = settled.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let ends = ends.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let unscaled = |t: Instant| t.saturating_duration_since(start).as_secs_f64() / scale;
    let mut starts: Vec<f64> = submitted.values().map(|(_, t)| unscaled(*t)).collect();
    starts.sort_by(f64::total_cmp);
    let mut seen: Vec<f64> = settled.values().map(|t| unscaled(*t)).collect();
    seen.sort_by(f64::total_cmp);
    let mut lags: Vec<f64> = submitted
        .iter()
        .filter_map(|(position, (task_id, _))| {
            let end = ends.get(task_id)?;
            let seen = settled.get(position)?;
            Some(seen.saturating_duration_since(*end).as_secs_f64() / scale)
        })
        .collect();
    lags.sort_by(f64::total_cmp);
    let n = seen.len();
    let (a, b) = (percentile(&seen, 0.1), percentile(&seen, 0.9));
    let span = starts.last().copied().unwrap_or(0.0) - starts.first().copied().unwrap_or(0.0);
    Measure {
        leads,
        started_per_minute: (starts.len().saturating_sub(1)) as f64 / span.max(1e-9) * 60.0,
        done_per_minute: (n as f64 * 0.8) / (b - a).max(1e-9) * 60.0,
        overall_per_minute: leads as f64 / wall * 60.0,
        // The key check before the first submit is one status request too.
        polls_per_job: stats.status_polls.saturating_sub(1) as f64
            / stats.jobs_created.max(1) as f64,
        lag: lags.iter().sum::<f64>() / lags.len().max(1) as f64,
        lag_p90: percentile(&lags, 0.9),
        completed,
    }
}

/// One line; `bound` is the throughput the setting is measured against.
fn report(name: &str, m: &Measure, bound: f64) {
    println!(
        "{name:<34} {:>6} {:>9.1} {:>9.1} {:>9.1} {:>10.2} {:>8.1} {:>8.1} {:>8.2}",
        m.leads,
        m.started_per_minute,
        m.done_per_minute,
        m.overall_per_minute,
        m.polls_per_job,
        m.lag,
        m.lag_p90,
        m.started_per_minute / bound,
    );
    if m.completed != m.leads {
        println!("  ! {} of {} leads completed", m.completed, m.leads);
    }
}

fn main() {
    let mut leads = 2_000usize;
    let mut baseline = 200usize;
    let mut scale = 0.01f64;
    let mut fields = 5usize;
    let mut only: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--leads" => leads = args.next().and_then(|v| v.parse().ok()).unwrap_or(leads),
            "--baseline" => {
                baseline = args.next().and_then(|v| v.parse().ok()).unwrap_or(baseline);
            }
            "--scale" => scale = args.next().and_then(|v| v.parse().ok()).unwrap_or(scale),
            "--fields" => fields = args.next().and_then(|v| v.parse().ok()).unwrap_or(fields),
            "--only" => only = args.next(),
            _ => {}
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "latency 60-300 s uniform, {PER_MINUTE} requests/min, {fields} fields a lead, time scale {scale}; figures in unscaled time"
    );
    println!(
        "{:<34} {:>6} {:>9} {:>9} {:>9} {:>10} {:>8} {:>8} {:>8}",
        "setting",
        "leads",
        "start/min",
        "done/min",
        "all/min",
        "polls/job",
        "lag s",
        "lag p90",
        "x bound"
    );
    let wanted = |name: &str| only.as_deref().is_none_or(|only| only == name);
    let half = f64::from(PER_MINUTE) / 2.0;
    if wanted("polling") {
        let scheduled = runtime.block_on(run(leads, fields, scale, true, RunOptions::default()));
        report("scheduler, defaults", &scheduled, half);
    }
    if wanted("no-progress") {
        let blind = runtime.block_on(run(leads, fields, scale, false, RunOptions::default()));
        report("scheduler, no progress counts", &blind, half);
    }
    if wanted("webhooks") {
        let hooked = runtime.block_on(run(
            leads,
            fields,
            scale,
            true,
            RunOptions::default().callbacks(Callbacks::new(Some(SECRET.into()))),
        ));
        report("scheduler, webhooks", &hooked, f64::from(PER_MINUTE));
    }
    if baseline > 0 && wanted("before") {
        let per_row = runtime.block_on(run(
            baseline,
            fields,
            scale,
            true,
            RunOptions::default().schedule(false).max_in_flight(16),
        ));
        report("per-row waits, -j 16 (before)", &per_row, half);
    }
    println!(
        "x bound: started/min over {} (one poll a job) when polling, over {PER_MINUTE} with webhooks",
        PER_MINUTE / 2
    );
}
