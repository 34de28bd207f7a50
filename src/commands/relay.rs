//! `zdwatch relay`: the Zendesk → EventBridge relay as a plain HTTP server, for containers and for
//! trying a setup locally (the Lambda function runs the same handler: `crates/relay`).

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use zdwatch_core::sanitize;
use zdwatch_relay::{Relay, Reread, SecretSource, Settings};

use super::{Outcome, Stop};
use crate::cli;

/// Zendesk gives up on a webhook request after about ten seconds: a PutEvents call (with the
/// SDK's own retries) must be answered before, so that Zendesk sees a 503 it retries rather
/// than a timeout.
const PUT_DEADLINE: Duration = Duration::from_secs(8);

pub(crate) async fn run(args: cli::RelayArgs, aws: &cli::AwsArgs) -> Outcome {
    let options = aws.options();
    let source = match (&args.secret_id, &args.secret_parameter) {
        (Some(id), _) => SecretSource::SecretsManager(id.clone()),
        (None, Some(name)) => SecretSource::Parameter(name.clone()),
        (None, None) => SecretSource::Environment(args.secret_env.clone()),
    };
    let secrets_config = zdwatch_sources::sqs::sdk_config(&options).await;
    let secret = match zdwatch_relay::secrets::load(&source, &secrets_config).await {
        Ok(s) => s,
        Err(why) => {
            crate::say!(
                "zdwatch relay: no signing secret: {} (it is the webhook's signing secret: Zendesk Admin Center › \
                 Apps and integrations › Webhooks › the webhook › Reveal secret)",
                sanitize::sanitize(&why)
            );
            // A variable not set is the command line's fault; a secret AWS would not give, not.
            return Err(match source {
                SecretSource::Environment(_) => Stop::Usage,
                _ => Stop::Exit(ExitCode::FAILURE),
            });
        }
    };
    let client = match zdwatch_sources::bus::client(&options, &args.bus).await {
        Ok(c) => c,
        Err(problem) => {
            crate::say!(
                "zdwatch relay: {}: {problem}",
                sanitize::sanitize(&args.bus)
            );
            return Err(Stop::Exit(ExitCode::FAILURE));
        }
    };
    let config = client
        .config()
        .to_builder()
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(3))
                .operation_timeout(PUT_DEADLINE)
                .build(),
        )
        .build();
    let settings = Settings {
        bus: args.bus.clone(),
        source: args.source.clone(),
        secret,
        window: args.max_age,
        reread: Reread::of(&source, &secrets_config),
    };
    let relay = match Relay::new(settings, aws_sdk_eventbridge::Client::from_conf(config)) {
        Ok(r) => r,
        Err(why) => {
            crate::say!("zdwatch relay: {}", sanitize::sanitize(&why));
            return Err(Stop::Usage);
        }
    };
    if let Err(why) = relay.check_bus().await {
        crate::say!("zdwatch relay: {why} (--bus takes a name or an ARN)");
        return Err(Stop::Exit(ExitCode::FAILURE));
    }
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(l) => l,
        Err(e) => {
            crate::say!("zdwatch relay: cannot listen on {}: {e}", args.listen);
            return Err(Stop::Exit(ExitCode::FAILURE));
        }
    };
    let address = listener.local_addr()?;
    crate::say!(
        "zdwatch relay: listening on http://{address}/ (webhooks: POST /, health: GET /healthz); \
         putting events on {} with source {}",
        sanitize::sanitize(&args.bus),
        sanitize::sanitize(&args.source)
    );
    zdwatch_relay::http::serve(
        listener,
        Arc::new(relay),
        crate::ingest::stop_requested(true),
    )
    .await?;
    crate::say!("zdwatch relay: stopped");
    Ok(ExitCode::SUCCESS)
}
