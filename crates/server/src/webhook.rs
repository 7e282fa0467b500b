//! Webhook deliveries from the store's outbox: each one leased before it is sent (so a sender
//! that dies leaves it to be sent again, with the same event id), signed with its key's
//! secret, retried with a doubling back-off, and settled (delivered or given up) in the store.

use std::sync::Arc;
use std::time::Duration;

use sixtyfour_protocol::signature::{
    ATTEMPT_HEADER, EVENT_ID_HEADER, SIGNATURE_HEADER, signature_header,
};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::keys::Keys;
use crate::metrics::bump;
use crate::store::{Delivery, backoff, millis, now_millis};
use crate::worker::Engine;

/// How deliveries are made.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// Attempts per delivery before it is given up.
    pub attempts: u32,
    /// The wait after the first failed attempt; it doubles after each one.
    pub backoff: Duration,
    /// The longest wait between attempts.
    pub max_backoff: Duration,
    /// How long one attempt may take.
    pub timeout: Duration,
    /// How long a delivery is leased to this process while it is being sent (more than
    /// `timeout`: a delivery a dead process was making is sent again after it).
    pub lease: Duration,
    /// Deliveries in flight at once.
    pub concurrency: usize,
    /// How often the outbox is checked when nothing wakes the sender.
    pub poll_interval: Duration,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            attempts: 8,
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(600),
            timeout: Duration::from_secs(10),
            lease: Duration::from_secs(20),
            concurrency: 32,
            poll_interval: Duration::from_millis(500),
        }
    }
}

/// Sends due deliveries until `stop` fires.
pub(crate) async fn run(
    engine: Arc<Engine>,
    keys: Arc<Keys>,
    config: WebhookConfig,
    http: reqwest::Client,
    stop: CancellationToken,
) {
    let permits = Arc::new(Semaphore::new(config.concurrency.max(1)));
    let mut sending = JoinSet::new();
    loop {
        while sending.try_join_next().is_some() {}
        let free = permits.available_permits();
        let mut full_batch = false;
        if free > 0 {
            let now = now_millis();
            let lease_until = now.saturating_add(millis(config.lease));
            match engine.store.due_deliveries(free, lease_until, now).await {
                Ok(due) => {
                    full_batch = due.len() == free;
                    for delivery in due {
                        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
                            break;
                        };
                        let (engine, keys, config, http) = (
                            Arc::clone(&engine),
                            Arc::clone(&keys),
                            config.clone(),
                            http.clone(),
                        );
                        sending.spawn(async move {
                            send(&engine, &keys, &config, &http, delivery).await;
                            drop(permit);
                            engine.wake_webhooks.notify_one();
                        });
                    }
                }
                Err(err) => tracing::error!(error = %err, "cannot read the webhook outbox"),
            }
        }
        if full_batch {
            continue;
        }
        tokio::select! {
            () = stop.cancelled() => break,
            () = engine.wake_webhooks.notified() => {}
            () = tokio::time::sleep(config.poll_interval) => {}
        }
    }
    sending.abort_all();
}

async fn send(
    engine: &Engine,
    keys: &Keys,
    config: &WebhookConfig,
    http: &reqwest::Client,
    delivery: Delivery,
) {
    let secret = keys
        .current()
        .by_name(&delivery.key_id)
        .and_then(|key| key.webhook_secret.clone());
    let mut request = http
        .post(&delivery.url)
        .timeout(config.timeout)
        .header("content-type", "application/json")
        .header(EVENT_ID_HEADER, &delivery.event_id)
        .header(ATTEMPT_HEADER, delivery.attempt.to_string())
        .body(delivery.body.clone());
    if let Some(secret) = secret {
        let now = u64::try_from(now_millis() / 1000).unwrap_or(0);
        request = request.header(
            SIGNATURE_HEADER,
            signature_header(secret.as_bytes(), now, &delivery.body),
        );
    }
    let delivered = match request.send().await {
        Ok(response) if response.status().is_success() => true,
        Ok(response) => {
            tracing::debug!(status = %response.status(), attempt = delivery.attempt, event_id = %delivery.event_id, "webhook refused");
            false
        }
        Err(err) => {
            tracing::debug!(error = %err, attempt = delivery.attempt, event_id = %delivery.event_id, "webhook failed");
            false
        }
    };
    let now = now_millis();
    let recorded = if delivered {
        bump(&engine.metrics.webhooks_delivered);
        engine
            .store
            .settle_delivery(&delivery.event_id, true, now)
            .await
    } else {
        bump(&engine.metrics.webhook_attempts_failed);
        if delivery.attempt >= config.attempts {
            bump(&engine.metrics.webhooks_abandoned);
            tracing::warn!(event_id = %delivery.event_id, task_id = %delivery.task_id, attempts = delivery.attempt, "webhook given up");
            engine
                .store
                .settle_delivery(&delivery.event_id, false, now)
                .await
        } else {
            let wait = backoff(delivery.attempt, config.backoff, config.max_backoff);
            engine
                .store
                .retry_delivery(&delivery.event_id, now.saturating_add(millis(wait)))
                .await
        }
    };
    if let Err(err) = recorded {
        tracing::warn!(error = %err, event_id = %delivery.event_id, "delivery outcome not recorded; it will be sent again after its lease");
    }
}
