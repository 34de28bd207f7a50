//! The relay as an AWS Lambda function behind a function URL: the router `zdwatch relay --listen`
//! serves (`zdwatch_relay::http::router`), on the Lambda runtime. Configured by environment
//! variables (README, "The relay as a Lambda function"):
//!
//! | variable | meaning |
//! |---|---|
//! | `ZDWATCH_RELAY_BUS` | the bus, by name or ARN (required) |
//! | `ZDWATCH_RELAY_SOURCE` | the events' `Source` (default `zendesk.webhook`) |
//! | `ZDWATCH_RELAY_MAX_AGE_SECONDS` | how old a signed request may be (default 300) |
//! | `ZENDESK_WEBHOOK_SECRET_ID` | a Secrets Manager secret (name or ARN) holding the signing secret, read at start and again when a signature does not match (every 30 s at most) |
//! | `ZENDESK_WEBHOOK_SECRET_PARAMETER` | or an SSM parameter (name or ARN; SecureString decrypted) holding it, read the same way |
//! | `ZENDESK_WEBHOOK_SECRET` | or the signing secret itself (read once: a new one needs new instances) |
//!
//! A configuration that cannot work (no secret, a bus that does not exist) stops the function at
//! start (an init error in its log), so that no request is ever answered 200 without its event on
//! the bus.

use std::sync::Arc;
use std::time::Duration;

use aws_config::BehaviorVersion;
use zdwatch_relay::{
    DEFAULT_SOURCE, DEFAULT_WINDOW, Relay, Reread, SECRET_VARIABLE, SecretSource, Settings,
};

/// The Secrets Manager secret holding the signing secret.
const SECRET_ID_VARIABLE: &str = "ZENDESK_WEBHOOK_SECRET_ID";
/// The SSM parameter holding the signing secret.
const SECRET_PARAMETER_VARIABLE: &str = "ZENDESK_WEBHOOK_SECRET_PARAMETER";

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    // One line per log record, no colours: CloudWatch Logs keeps them as they are.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ZDWATCH_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .init();
    let config = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(3))
                // Zendesk waits about ten seconds: answer 503 (retried) before it gives up.
                .operation_timeout(Duration::from_secs(8))
                .build(),
        )
        .load()
        .await;
    let settings = settings(&config).await?;
    let relay = Relay::new(settings, aws_sdk_eventbridge::Client::new(&config))?;
    relay.check_bus().await?;
    let s = relay.settings();
    tracing::info!(bus = %s.bus, source = %s.source, "relay ready");
    lambda_http::run(zdwatch_relay::http::router(Arc::new(relay))).await
}

fn variable(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

async fn settings(config: &aws_config::SdkConfig) -> Result<Settings, Error> {
    let bus = variable("ZDWATCH_RELAY_BUS").ok_or("ZDWATCH_RELAY_BUS is not set")?;
    let source = variable("ZDWATCH_RELAY_SOURCE").unwrap_or_else(|| DEFAULT_SOURCE.to_string());
    let window = match variable("ZDWATCH_RELAY_MAX_AGE_SECONDS") {
        Some(s) => jiff::SignedDuration::from_secs(
            s.trim()
                .parse::<i64>()
                .map_err(|_| format!("ZDWATCH_RELAY_MAX_AGE_SECONDS is not a number: {s:?}"))?,
        ),
        None => DEFAULT_WINDOW,
    };
    let secret_from = if let Some(id) = variable(SECRET_ID_VARIABLE) {
        SecretSource::SecretsManager(id)
    } else if let Some(name) = variable(SECRET_PARAMETER_VARIABLE) {
        SecretSource::Parameter(name)
    } else if variable(SECRET_VARIABLE).is_some() {
        SecretSource::Environment(SECRET_VARIABLE.to_string())
    } else {
        return Err(format!(
            "none of {SECRET_ID_VARIABLE}, {SECRET_PARAMETER_VARIABLE} or {SECRET_VARIABLE} is set"
        )
        .into());
    };
    let secret = zdwatch_relay::secrets::load(&secret_from, config).await?;
    Ok(Settings {
        bus,
        source,
        secret,
        window,
        reread: Reread::of(&secret_from, config),
    })
}
