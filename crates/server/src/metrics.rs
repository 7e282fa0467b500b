//! Counters of what this process did, research time percentiles, and their rendering in the
//! Prometheus text format for `GET /metrics` (with the store's jobs per stage).

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sixtyfour_protocol::Endpoint;

use crate::store::Counts;

/// How many recent research times the percentiles are computed over.
pub const RESEARCH_WINDOW: usize = 4096;

/// Counters since the process started (or the emulator's reset).
#[derive(Debug, Default)]
pub struct Metrics {
    /// Requests to API paths.
    pub requests: AtomicU64,
    /// 401 answers.
    pub unauthorized: AtomicU64,
    /// 429 answers for the rate limit.
    pub rate_limited: AtomicU64,
    /// 429 answers for too many active jobs.
    pub active_job_limited: AtomicU64,
    /// 402 answers.
    pub out_of_credits: AtomicU64,
    /// 403 answers.
    pub forbidden: AtomicU64,
    /// 400 and 413 answers.
    pub bad_requests: AtomicU64,
    /// 404 answers.
    pub not_found: AtomicU64,
    /// Status polls with a valid key.
    pub status_polls: AtomicU64,
    /// Accepted submits per path, in the order of `Endpoint::ALL`.
    pub submits: [AtomicU64; 4],
    /// Jobs this process finished `completed`.
    pub jobs_completed: AtomicU64,
    /// Jobs this process finished `failed` (time-outs included).
    pub jobs_failed: AtomicU64,
    /// Jobs that hit the time limit.
    pub jobs_timed_out: AtomicU64,
    /// Runs put back in the queue at shutdown.
    pub jobs_released: AtomicU64,
    /// Runs whose lease was lost before they finished (another run took the job).
    pub runs_lost: AtomicU64,
    /// Webhook deliveries answered with a 2xx.
    pub webhooks_delivered: AtomicU64,
    /// Webhook attempts that failed.
    pub webhook_attempts_failed: AtomicU64,
    /// Webhook deliveries given up after their last attempt.
    pub webhooks_abandoned: AtomicU64,
    research: Mutex<ResearchTimes>,
}

#[derive(Debug, Default)]
struct ResearchTimes {
    recent: VecDeque<f64>,
    count: u64,
    sum: f64,
}

/// Adds one.
pub fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

fn get(counter: &AtomicU64) -> u64 {
    counter.load(Ordering::Relaxed)
}

/// The `q` quantile (0 to 1) of sorted values, nearest rank; 0 for none.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (q.clamp(0.0, 1.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

impl Metrics {
    /// The counter of accepted submits on `endpoint`.
    pub fn submit_counter(&self, endpoint: Endpoint) -> &AtomicU64 {
        let at = Endpoint::ALL
            .iter()
            .position(|e| *e == endpoint)
            .unwrap_or(0);
        &self.submits[at]
    }

    /// Records a research time.
    pub fn research_time(&self, took: Duration) {
        let mut times = self.research.lock().unwrap_or_else(|p| p.into_inner());
        if times.recent.len() == RESEARCH_WINDOW {
            times.recent.pop_front();
        }
        let seconds = took.as_secs_f64();
        times.recent.push_back(seconds);
        times.count += 1;
        times.sum += seconds;
    }

    /// The research time quantiles of the recent window: (q, seconds).
    pub fn research_quantiles(&self) -> Vec<(f64, f64)> {
        let mut sorted: Vec<f64> = self
            .research
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .recent
            .iter()
            .copied()
            .collect();
        sorted.sort_by(f64::total_cmp);
        [0.5, 0.9, 0.95, 0.99]
            .into_iter()
            .map(|q| (q, quantile(&sorted, q)))
            .collect()
    }

    /// Zeroes everything.
    pub fn reset(&self) {
        let all = [
            &self.requests,
            &self.unauthorized,
            &self.rate_limited,
            &self.active_job_limited,
            &self.out_of_credits,
            &self.forbidden,
            &self.bad_requests,
            &self.not_found,
            &self.status_polls,
            &self.jobs_completed,
            &self.jobs_failed,
            &self.jobs_timed_out,
            &self.jobs_released,
            &self.runs_lost,
            &self.webhooks_delivered,
            &self.webhook_attempts_failed,
            &self.webhooks_abandoned,
        ];
        for counter in all.into_iter().chain(&self.submits) {
            counter.store(0, Ordering::Relaxed);
        }
        *self.research.lock().unwrap_or_else(|p| p.into_inner()) = ResearchTimes::default();
    }

    /// The Prometheus text exposition of these counters and the store's `counts`.
    pub fn render(&self, counts: Option<Counts>) -> String {
        let mut out = String::with_capacity(4096);
        let mut gauge = |name: &str, help: &str, kind: &str, rows: &[(&str, u64)]| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (labels, value) in rows {
                let _ = writeln!(out, "{name}{labels} {value}");
            }
        };
        if let Some(counts) = counts {
            gauge(
                "sixtyfour_jobs",
                "Jobs in the store per state (finished jobs until they expire).",
                "gauge",
                &[
                    ("{state=\"queued\"}", counts.queued),
                    ("{state=\"running\"}", counts.running),
                    ("{state=\"completed\"}", counts.completed),
                    ("{state=\"failed\"}", counts.failed),
                ],
            );
            gauge(
                "sixtyfour_webhook_deliveries_pending",
                "Webhook deliveries in the outbox not yet made nor given up.",
                "gauge",
                &[("", counts.deliveries_pending)],
            );
        }
        gauge(
            "sixtyfour_jobs_finished_total",
            "Jobs this process finished, by outcome.",
            "counter",
            &[
                ("{outcome=\"completed\"}", get(&self.jobs_completed)),
                ("{outcome=\"failed\"}", get(&self.jobs_failed)),
            ],
        );
        gauge(
            "sixtyfour_jobs_timed_out_total",
            "Jobs that hit the research time limit.",
            "counter",
            &[("", get(&self.jobs_timed_out))],
        );
        gauge(
            "sixtyfour_runs_released_total",
            "Runs put back in the queue at shutdown.",
            "counter",
            &[("", get(&self.jobs_released))],
        );
        gauge(
            "sixtyfour_runs_lost_total",
            "Runs that lost their lease before finishing.",
            "counter",
            &[("", get(&self.runs_lost))],
        );
        let submits: Vec<(String, u64)> = Endpoint::ALL
            .iter()
            .zip(&self.submits)
            .map(|(e, c)| (format!("{{path=\"{}\"}}", e.path()), get(c)))
            .collect();
        let submits: Vec<(&str, u64)> = submits.iter().map(|(l, v)| (l.as_str(), *v)).collect();
        gauge(
            "sixtyfour_submits_total",
            "Accepted submits per path.",
            "counter",
            &submits,
        );
        gauge(
            "sixtyfour_requests_total",
            "Requests to API paths.",
            "counter",
            &[("", get(&self.requests))],
        );
        gauge(
            "sixtyfour_status_polls_total",
            "Status polls with a valid key.",
            "counter",
            &[("", get(&self.status_polls))],
        );
        gauge(
            "sixtyfour_refusals_total",
            "Requests refused, by reason.",
            "counter",
            &[
                ("{reason=\"unauthorized\"}", get(&self.unauthorized)),
                ("{reason=\"rate_limited\"}", get(&self.rate_limited)),
                (
                    "{reason=\"active_job_limit\"}",
                    get(&self.active_job_limited),
                ),
                ("{reason=\"out_of_credits\"}", get(&self.out_of_credits)),
                ("{reason=\"forbidden\"}", get(&self.forbidden)),
                ("{reason=\"bad_request\"}", get(&self.bad_requests)),
                ("{reason=\"not_found\"}", get(&self.not_found)),
            ],
        );
        gauge(
            "sixtyfour_webhooks_total",
            "Webhook deliveries and attempts, by outcome.",
            "counter",
            &[
                ("{outcome=\"delivered\"}", get(&self.webhooks_delivered)),
                (
                    "{outcome=\"attempt_failed\"}",
                    get(&self.webhook_attempts_failed),
                ),
                ("{outcome=\"abandoned\"}", get(&self.webhooks_abandoned)),
            ],
        );
        let (count, sum) = {
            let times = self.research.lock().unwrap_or_else(|p| p.into_inner());
            (times.count, times.sum)
        };
        let _ = writeln!(
            out,
            "# HELP sixtyfour_research_seconds Research time per job (quantiles over the last {RESEARCH_WINDOW} jobs).\n# TYPE sixtyfour_research_seconds summary"
        );
        for (q, seconds) in self.research_quantiles() {
            let _ = writeln!(
                out,
                "sixtyfour_research_seconds{{quantile=\"{q}\"}} {seconds}"
            );
        }
        let _ = writeln!(out, "sixtyfour_research_seconds_sum {sum}");
        let _ = writeln!(out, "sixtyfour_research_seconds_count {count}");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_table() {
        let values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
        let rows = [
            (0.5, 5.0),
            (0.9, 9.0),
            (0.95, 10.0),
            (0.0, 1.0),
            (1.0, 10.0),
        ];
        for (q, want) in rows {
            assert_eq!(quantile(&values, q), want, "{q}");
        }
        assert_eq!(quantile(&[], 0.5), 0.0);
        assert_eq!(quantile(&[3.0], 0.99), 3.0);
    }

    #[test]
    fn the_text_format_has_every_family() {
        let metrics = Metrics::default();
        bump(&metrics.jobs_completed);
        bump(metrics.submit_counter(Endpoint::EnrichLeadAsync));
        for ms in [100, 200, 300, 400] {
            metrics.research_time(Duration::from_millis(ms));
        }
        let text = metrics.render(Some(Counts {
            queued: 3,
            ..Counts::default()
        }));
        for line in [
            "sixtyfour_jobs{state=\"queued\"} 3",
            "sixtyfour_jobs_finished_total{outcome=\"completed\"} 1",
            "sixtyfour_submits_total{path=\"/enrich-lead-async\"} 1",
            "sixtyfour_research_seconds{quantile=\"0.5\"} 0.2",
            "sixtyfour_research_seconds_count 4",
            "# TYPE sixtyfour_research_seconds summary",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line} in\n{text}");
        }
        // Every sample line is `name{labels} number`.
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let value = line.rsplit(' ').next().unwrap();
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
    }
}
