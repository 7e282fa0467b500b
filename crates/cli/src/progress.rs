//! Progress: counters fed by the journal's events, shown as an indicatif bar on a terminal or
//! a plain status line every few seconds otherwise; and the peak memory for the summary.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use sixtyfour_ledger::{Event, RowState};

/// Live counts of a run.
#[derive(Debug, Default)]
pub struct Counters {
    /// Rows of the input.
    pub total: AtomicU64,
    /// Rows finished, earlier runs included.
    pub done: AtomicU64,
    /// Rows being submitted or waited for.
    pub in_flight: AtomicU64,
    /// Submits started in this run.
    pub submits: AtomicU64,
    /// Rows that failed in this run.
    pub failed: AtomicU64,
    /// Rows left unknown in this run.
    pub unknown: AtomicU64,
}

impl Counters {
    /// Takes one event.
    pub fn observe(&self, event: &Event) {
        match event {
            Event::Started { rows, finished, .. } => {
                self.total.store(*rows, Ordering::Relaxed);
                self.done.store(*finished, Ordering::Relaxed);
            }
            Event::Submitting { .. } => {
                self.submits.fetch_add(1, Ordering::Relaxed);
                self.in_flight.fetch_add(1, Ordering::Relaxed);
            }
            Event::Resuming { .. } => {
                self.in_flight.fetch_add(1, Ordering::Relaxed);
            }
            Event::Settled { state, .. } => {
                let _ = self
                    .in_flight
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
                if state.is_final() {
                    self.done.fetch_add(1, Ordering::Relaxed);
                }
                match state {
                    RowState::Failed => {
                        self.failed.fetch_add(1, Ordering::Relaxed);
                    }
                    RowState::Unknown => {
                        self.unknown.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    fn line(&self) -> String {
        format!(
            "{}/{} done, {} in flight, {} failed, {} unknown",
            self.done.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
            self.in_flight.load(Ordering::Relaxed),
            self.failed.load(Ordering::Relaxed),
            self.unknown.load(Ordering::Relaxed)
        )
    }
}

/// Shows the counters while the run goes.
pub struct Progress {
    counters: Arc<Counters>,
    started: Instant,
    bar: Option<ProgressBar>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Progress {
    /// Starts showing progress on stderr: a bar on a terminal, a line every `period`
    /// elsewhere, nothing when `quiet`.
    pub fn start(counters: Arc<Counters>, quiet: bool, period: Duration) -> Self {
        let terminal = std::io::stderr().is_terminal() && !quiet;
        let bar = terminal.then(|| {
            let bar = ProgressBar::new(0);
            let style = ProgressStyle::with_template(
                "{bar:40.cyan/blue} {pos}/{len} {msg} [{elapsed_precise}, {per_sec}, ETA {eta}]",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        });
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let ticker = Arc::clone(&counters);
        let ticker_bar = bar.clone();
        let started = Instant::now();
        tokio::spawn(async move {
            let period = if ticker_bar.is_some() {
                Duration::from_millis(200)
            } else {
                period
            };
            let mut interval = tokio::time::interval(period);
            interval.tick().await;
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    _ = interval.tick() => {}
                }
                match &ticker_bar {
                    Some(bar) => {
                        bar.set_length(ticker.total.load(Ordering::Relaxed));
                        bar.set_position(ticker.done.load(Ordering::Relaxed));
                        bar.set_message(format!(
                            "{} in flight, {} failed, {} unknown",
                            ticker.in_flight.load(Ordering::Relaxed),
                            ticker.failed.load(Ordering::Relaxed),
                            ticker.unknown.load(Ordering::Relaxed)
                        ));
                    }
                    None if !quiet => {
                        eprintln!(
                            "[{:>5.0}s] {}",
                            started.elapsed().as_secs_f64(),
                            ticker.line()
                        );
                    }
                    None => {}
                }
            }
        });
        Progress {
            counters,
            started,
            bar,
            stop: Some(stop),
        }
    }

    /// Stops the display; returns how long the run took.
    pub fn finish(mut self) -> Duration {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(bar) = &self.bar {
            let counters = &self.counters;
            bar.set_position(counters.done.load(Ordering::Relaxed));
            bar.set_message(format!(
                "{} in flight, {} failed, {} unknown",
                counters.in_flight.load(Ordering::Relaxed),
                counters.failed.load(Ordering::Relaxed),
                counters.unknown.load(Ordering::Relaxed)
            ));
            bar.finish_and_clear();
        }
        self.started.elapsed()
    }
}

/// Peak resident memory of this process in MiB (Linux), for the summary.
pub fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_follow_events() {
        let c = Counters::default();
        c.observe(&Event::Started {
            rows: 5,
            finished: 2,
            to_submit: 2,
            to_wait: 1,
        });
        c.observe(&Event::Submitting { position: 1 });
        c.observe(&Event::Submitting { position: 2 });
        c.observe(&Event::Resuming {
            position: 3,
            task_id: "t".into(),
        });
        assert_eq!(c.line(), "2/5 done, 3 in flight, 0 failed, 0 unknown");
        c.observe(&Event::Settled {
            position: 1,
            state: RowState::Completed,
        });
        c.observe(&Event::Settled {
            position: 2,
            state: RowState::Unknown,
        });
        c.observe(&Event::Settled {
            position: 3,
            state: RowState::Submitted,
        });
        assert_eq!(c.line(), "4/5 done, 0 in flight, 0 failed, 1 unknown");
        assert_eq!(c.submits.load(Ordering::Relaxed), 2);
    }
}
