//! Helpers shared by the integration tests: a small axum server on 127.0.0.1.

#![allow(dead_code)]

use std::path::PathBuf;

/// Serves `router` on 127.0.0.1 at a free port; returns its base URL.
pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    format!("http://{address}")
}

/// The repository's generated fixture web.
pub fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The hand-written fixture web.
pub fn handwritten() -> PathBuf {
    fixture().join("handwritten")
}
