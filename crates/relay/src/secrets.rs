//! Where the webhook's signing secret comes from: an environment variable, an AWS Secrets Manager
//! secret, or an SSM Parameter Store parameter (a SecureString is decrypted). Never a flag: it
//! would land in shell history. Read when the relay starts, and again when a signature does not match
//! ([`crate::Reread`]).

use aws_sdk_secretsmanager::error::DisplayErrorContext;

use crate::Secret;

/// Where to read the secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretSource {
    /// This environment variable holds it.
    Environment(String),
    /// This Secrets Manager secret (name or ARN) holds it as text.
    SecretsManager(String),
    /// This SSM parameter (name or ARN) holds it.
    Parameter(String),
}

impl std::fmt::Display for SecretSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretSource::Environment(v) => write!(f, "the environment variable {v}"),
            SecretSource::SecretsManager(id) => write!(f, "the Secrets Manager secret {id}"),
            SecretSource::Parameter(name) => write!(f, "the SSM parameter {name}"),
        }
    }
}

/// Reads the secret; the error says where it looked and why it found none.
pub async fn load(source: &SecretSource, config: &aws_config::SdkConfig) -> Result<Secret, String> {
    let text = match source {
        SecretSource::Environment(variable) => std::env::var(variable).ok(),
        SecretSource::SecretsManager(id) => {
            aws_sdk_secretsmanager::Client::new(config)
                .get_secret_value()
                .secret_id(id)
                .send()
                .await
                .map_err(|e| format!("cannot read {source}: {}", DisplayErrorContext(e)))?
                .secret_string
        }
        SecretSource::Parameter(name) => aws_sdk_ssm::Client::new(config)
            .get_parameter()
            .name(name)
            .with_decryption(true)
            .send()
            .await
            .map_err(|e| {
                format!(
                    "cannot read {source}: {}",
                    aws_sdk_ssm::error::DisplayErrorContext(e)
                )
            })?
            .parameter
            .and_then(|p| p.value),
    };
    // Pasted secrets often carry a line break; a signing secret never has spaces at its ends.
    match text.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() => Ok(Secret::new(t.as_bytes().to_vec())),
        _ => Err(format!("{source} holds no secret")),
    }
}
