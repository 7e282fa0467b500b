//! Webhook deliveries: the signature headers, and retries with back-off.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sixtyfour_protocol::signature::{
    ATTEMPT_HEADER, EVENT_ID_HEADER, SIGNATURE_HEADER, signature_header,
};

use crate::stats::Counters;

/// One delivery with its retries.
pub struct Delivery {
    pub url: String,
    pub body: Vec<u8>,
    pub event_id: String,
    pub secret: Option<String>,
    pub attempts: u32,
    pub backoff: Duration,
}

/// Sends a delivery, retrying on a transport error or a non-2xx answer.
pub async fn deliver(http: reqwest::Client, delivery: Delivery, counters: Arc<Counters>) {
    let mut wait = delivery.backoff;
    for attempt in 1..=delivery.attempts.max(1) {
        let mut request = http
            .post(&delivery.url)
            .header("content-type", "application/json")
            .header(EVENT_ID_HEADER, &delivery.event_id)
            .header(ATTEMPT_HEADER, attempt.to_string())
            .body(delivery.body.clone());
        if let Some(secret) = &delivery.secret {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            request = request.header(
                SIGNATURE_HEADER,
                signature_header(secret.as_bytes(), now, &delivery.body),
            );
        }
        match request.send().await {
            Ok(response) if response.status().is_success() => {
                counters.add(|c| &c.webhooks_delivered);
                return;
            }
            Ok(response) => {
                tracing::debug!(status = %response.status(), attempt, url = %delivery.url, "webhook refused");
            }
            Err(err) => {
                tracing::debug!(error = %err, attempt, url = %delivery.url, "webhook failed")
            }
        }
        counters.add(|c| &c.webhook_attempts_failed);
        if attempt < delivery.attempts {
            tokio::time::sleep(wait).await;
            wait = wait.saturating_mul(2);
        }
    }
    tracing::warn!(url = %delivery.url, event_id = %delivery.event_id, "webhook given up");
}
