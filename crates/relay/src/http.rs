//! The relay over HTTP: `POST /` takes a webhook, `GET /healthz` says the server is up. The same
//! router serves `zdwatch relay --listen` and the Lambda function URL.

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER};
use crate::{Answer, Relay};

/// Bodies above this are refused (413) before they are read to the end: four times what one
/// PutEvents entry may hold, so that the 413 of an event just over the entry limit says by how
/// much.
pub const MAX_BODY_BYTES: usize = 4 * crate::entry::MAX_ENTRY_BYTES;

/// The relay's routes.
pub fn router(relay: Arc<Relay>) -> Router {
    Router::new()
        .route("/", post(webhook))
        .route("/healthz", get(|| async { "ok\n" }))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(relay)
}

/// Serves the relay on `listener` until `shutdown` completes; requests under way are answered.
pub async fn serve(
    listener: tokio::net::TcpListener,
    relay: Arc<Relay>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(relay))
        .with_graceful_shutdown(shutdown)
        .await
}

async fn webhook(State(relay): State<Arc<Relay>>, headers: HeaderMap, body: Bytes) -> Response {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let answer = relay
        .handle(
            text(TIMESTAMP_HEADER),
            text(SIGNATURE_HEADER),
            &body,
            jiff::Timestamp::now(),
        )
        .await;
    response(answer)
}

fn response(answer: Answer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut r = (status, answer.body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(seconds) = answer.retry_after {
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    r
}
