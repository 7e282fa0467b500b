//! A small axum receiver that verifies signed completion callbacks, fed by the emulator: submit
//! with a `webhook_url`, receive the callback, check its signature, read the result.
//! Always runs offline (a callback from the real API needs a public HTTPS address).
//!
//! `cargo run --example webhook`

use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use sixtyfour::{Client, EnrichRequest, Schema, webhook};
use sixtyfour_emulator::Emulator;
use tokio::sync::mpsc;

const SECRET: &str = "whsec_example";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The receiver: verify the raw body first, parse it second, answer 2xx only when both pass.
    let (events, mut received) = mpsc::channel::<webhook::WebhookEvent>(4);
    let app = axum::Router::new().route(
        "/sixtyfour/callback",
        post(move |headers: HeaderMap, body: Bytes| {
            let events = events.clone();
            async move {
                let signature = headers
                    .get(webhook::SIGNATURE_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                if let Err(err) =
                    webhook::verify(SECRET.as_bytes(), signature, &body, SystemTime::now())
                {
                    eprintln!("rejected a delivery: {err}");
                    return StatusCode::UNAUTHORIZED;
                }
                match webhook::parse_event(&body) {
                    Ok(event) => {
                        let _ = events.send(event).await;
                        StatusCode::OK
                    }
                    Err(err) => {
                        eprintln!("unreadable delivery: {err}");
                        StatusCode::BAD_REQUEST
                    }
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let callback = format!("http://{}/sixtyfour/callback", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    println!("receiver listening at {callback}");

    let emulator = Emulator::builder().webhook_secret(SECRET).spawn().await?;
    println!("emulator at {} signs its callbacks", emulator.base_url());
    let client = Client::for_emulator(&emulator)?;
    let schema = Schema::builder()
        .describe("title", "The individual's job title")
        .build()?;
    let request = EnrichRequest::from_lead(
        &serde_json::json!({"email": "rafael.nunez@lanternfish.example"}),
        schema,
    )?
    .webhook_url(callback);
    let task_id = client.submit(&request).await?;
    println!("submitted {task_id}; waiting for the callback instead of polling");

    let event = tokio::time::timeout(Duration::from_secs(10), received.recv())
        .await?
        .ok_or("the receiver stopped")?;
    println!("verified callback for {}: {}", event.task_id, event.status);
    if let Some(result) = event.result {
        println!("title: {}", result.structured_data["title"]);
    }
    Ok(())
}
