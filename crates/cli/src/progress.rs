//! Progress: an indicatif bar on a terminal, a plain status line every few seconds otherwise,
//! and the final summary.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// Live counts of this run.
#[derive(Debug, Default)]
pub struct Counters {
    /// Rows finished (any way) including those finished in earlier runs.
    pub done: AtomicU64,
    /// Jobs submitted or being waited for now.
    pub in_flight: AtomicU64,
    /// Rows that failed.
    pub failed: AtomicU64,
    /// Rows left unknown or past the deadline.
    pub unknown: AtomicU64,
}

/// Shows the counters while the run goes.
pub struct Progress {
    counters: Arc<Counters>,
    total: u64,
    started: Instant,
    bar: Option<ProgressBar>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Progress {
    /// Starts showing progress on stderr.
    pub fn start(total: u64, already_done: u64, counters: Arc<Counters>, quiet: bool) -> Self {
        counters.done.store(already_done, Ordering::Relaxed);
        let terminal = std::io::stderr().is_terminal() && !quiet;
        let bar = terminal.then(|| {
            let bar = ProgressBar::new(total);
            let style = ProgressStyle::with_template(
                "{bar:40.cyan/blue} {pos}/{len} {msg} [{elapsed_precise}, {per_sec}, ETA {eta}]",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_position(already_done);
            bar
        });
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let ticker_counters = Arc::clone(&counters);
        let ticker_bar = bar.clone();
        let started = Instant::now();
        tokio::spawn(async move {
            let period = if ticker_bar.is_some() {
                Duration::from_millis(200)
            } else {
                Duration::from_secs(5)
            };
            let mut interval = tokio::time::interval(period);
            interval.tick().await;
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    _ = interval.tick() => {}
                }
                let line = status_line(&ticker_counters);
                match &ticker_bar {
                    Some(bar) => {
                        bar.set_position(ticker_counters.done.load(Ordering::Relaxed));
                        bar.set_message(line);
                    }
                    None if !quiet => eprintln!(
                        "[{:>5.0}s] {}/{} done, {line}",
                        started.elapsed().as_secs_f64(),
                        ticker_counters.done.load(Ordering::Relaxed),
                        total
                    ),
                    None => {}
                }
            }
        });
        Progress {
            counters,
            total,
            started,
            bar,
            stop: Some(stop),
        }
    }

    /// Stops the display.
    pub fn finish(mut self) -> Duration {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(bar) = &self.bar {
            bar.set_position(self.counters.done.load(Ordering::Relaxed).min(self.total));
            bar.finish_and_clear();
        }
        self.started.elapsed()
    }
}

fn status_line(counters: &Counters) -> String {
    format!(
        "{} in flight, {} failed, {} unknown",
        counters.in_flight.load(Ordering::Relaxed),
        counters.failed.load(Ordering::Relaxed),
        counters.unknown.load(Ordering::Relaxed)
    )
}

/// Peak resident memory of this process in MiB (Linux), for the summary.
pub fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
