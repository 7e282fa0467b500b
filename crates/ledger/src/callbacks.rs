//! Completion callbacks (webhooks) for a run: an axum receiver that checks each delivery's
//! signature, drops deliveries already seen (by event id), and hands the events to the run,
//! which records their results and polls only the jobs whose callback is late.
//!
//! Mount [`Callbacks::router`] in a server of your own, or serve it alone; give the run the
//! [`Callbacks`] with [`RunOptions::callbacks`](crate::RunOptions::callbacks), and submit with
//! the public URL of the receiver as the client's `webhook_url`.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use sixtyfour::webhook::{EVENT_ID_HEADER, SIGNATURE_HEADER, WebhookEvent, parse_event, verify};
use tokio::sync::mpsc;

/// Event ids remembered for de-duplication.
const REMEMBERED: usize = 100_000;

struct Shared {
    secret: Option<Vec<u8>>,
    seen: Mutex<(HashSet<String>, VecDeque<String>)>,
    events: mpsc::UnboundedSender<WebhookEvent>,
}

/// The receiving end of a run's callbacks (cheap to clone; one run reads it at a time).
///
/// ```
/// use sixtyfour_ledger::{Callbacks, RunOptions};
///
/// let callbacks = Callbacks::new(Some("whsec_1".into()));
/// let app = callbacks.router(); // serve it at the URL given as webhook_url
/// let options = RunOptions::default().callbacks(callbacks);
/// # drop((app, options));
/// ```
#[derive(Clone)]
pub struct Callbacks {
    shared: Arc<Shared>,
    events: Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<WebhookEvent>>>,
}

impl std::fmt::Debug for Callbacks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callbacks")
            .field("signed", &self.shared.secret.is_some())
            .finish()
    }
}

impl Callbacks {
    /// A receiver checking signatures with `secret` (`None`: deliveries are not signed, and
    /// anyone who can reach the receiver can post results; use it only on a private network).
    pub fn new(secret: Option<String>) -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        Callbacks {
            shared: Arc::new(Shared {
                secret: secret.map(String::into_bytes),
                seen: Mutex::new((HashSet::new(), VecDeque::new())),
                events: sender,
            }),
            events: Arc::new(tokio::sync::Mutex::new(receiver)),
        }
    }

    /// The axum router taking deliveries (`POST` on any path).
    pub fn router(&self) -> Router {
        Router::new()
            .fallback(post(deliver))
            .with_state(Arc::clone(&self.shared))
    }

    pub(crate) fn events(&self) -> Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<WebhookEvent>>> {
        Arc::clone(&self.events)
    }
}

/// Whether a delivery is taken: its signature, then its event id, then its body.
fn take(
    shared: &Shared,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Option<WebhookEvent>, StatusCode> {
    if let Some(secret) = &shared.secret {
        let header = headers
            .get(SIGNATURE_HEADER)
            .and_then(|v| v.to_str().ok())
            .ok_or(StatusCode::UNAUTHORIZED)?;
        verify(secret, header, body, std::time::SystemTime::now())
            .map_err(|_| StatusCode::UNAUTHORIZED)?;
    }
    let event = parse_event(body).map_err(|_| StatusCode::BAD_REQUEST)?;
    if let Some(id) = headers.get(EVENT_ID_HEADER).and_then(|v| v.to_str().ok()) {
        let mut seen = shared
            .seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if !seen.0.insert(id.to_owned()) {
            return Ok(None);
        }
        seen.1.push_back(id.to_owned());
        if seen.1.len() > REMEMBERED
            && let Some(old) = seen.1.pop_front()
        {
            seen.0.remove(&old);
        }
    }
    Ok(Some(event))
}

async fn deliver(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    match take(&shared, &headers, &body) {
        Ok(Some(event)) => {
            // No run listening: the job is found by a poll later.
            let _ = shared.events.send(event);
            StatusCode::OK
        }
        Ok(None) => StatusCode::OK,
        Err(status) => status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared(secret: Option<&str>) -> (Shared, mpsc::UnboundedReceiver<WebhookEvent>) {
        let (events, rx) = mpsc::unbounded_channel();
        (
            Shared {
                secret: secret.map(|s| s.as_bytes().to_vec()),
                seen: Mutex::new((HashSet::new(), VecDeque::new())),
                events,
            },
            rx,
        )
    }

    const BODY: &[u8] = br#"{"task_id":"t-1","status":"completed","task_type":"enrich_lead","result":{"structured_data":{}}}"#;

    fn headers(signature: Option<String>, event: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(signature) = signature {
            headers.insert(SIGNATURE_HEADER, signature.parse().unwrap());
        }
        headers.insert(EVENT_ID_HEADER, event.parse().unwrap());
        headers
    }

    fn signed(secret: &[u8]) -> String {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        sixtyfour::protocol::signature::signature_header(secret, now, BODY)
    }

    #[test]
    fn deliveries_table() {
        let (shared, _rx) = shared(Some("whsec_1"));
        // Unsigned, wrongly signed, then signed.
        assert_eq!(
            take(&shared, &headers(None, "e1"), BODY).unwrap_err(),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            take(&shared, &headers(Some(signed(b"whsec_2")), "e1"), BODY).unwrap_err(),
            StatusCode::UNAUTHORIZED
        );
        let event = take(&shared, &headers(Some(signed(b"whsec_1")), "e1"), BODY).unwrap();
        assert_eq!(event.unwrap().task_id.as_str(), "t-1");
        // The same event again: taken, not handed on.
        assert!(
            take(&shared, &headers(Some(signed(b"whsec_1")), "e1"), BODY)
                .unwrap()
                .is_none()
        );
        // A body that is not an event.
        let (open, _rx) = self::shared(None);
        assert_eq!(
            take(&open, &headers(None, "e2"), b"{}").unwrap_err(),
            StatusCode::BAD_REQUEST
        );
        assert!(take(&open, &headers(None, "e3"), BODY).unwrap().is_some());
    }
}
