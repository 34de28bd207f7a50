//! The deploy template (deploy/zdwatch-relay.yaml) is valid CloudFormation by cfn-lint, the linter
//! AWS publishes (installed into .venv by scripts/test), and it configures the relay the way the
//! Lambda function reads its configuration.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const CFN_LINT_VERSION: &str = "1.58.0";

fn template_path() -> PathBuf {
    Path::new(ROOT).join("deploy/zdwatch-relay.yaml")
}

fn cfn_lint() -> PathBuf {
    if let Some(p) = std::env::var_os("ZDWATCH_CFN_LINT") {
        return PathBuf::from(p);
    }
    let venv = Path::new(ROOT).join(".venv/bin/cfn-lint");
    assert!(
        venv.exists(),
        "cfn-lint not found: run the tests with `scripts/test` (it installs cfn-lint=={CFN_LINT_VERSION} into .venv), \
         or `.venv/bin/pip install 'cfn-lint=={CFN_LINT_VERSION}'`, or point ZDWATCH_CFN_LINT at a cfn-lint executable"
    );
    venv
}

fn lint(path: &Path) -> (bool, String) {
    let out = Command::new(cfn_lint())
        .arg(path)
        .output()
        .expect("run cfn-lint");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn the_deploy_template_passes_cfn_lint_which_refuses_a_broken_one() {
    let (ok, said) = lint(&template_path());
    assert!(ok, "cfn-lint deploy/zdwatch-relay.yaml:\n{said}");
    // The linter is live: the same template with one misspelt property fails.
    let text = std::fs::read_to_string(template_path()).unwrap();
    let broken = text.replace("SqsManagedSseEnabled: true", "SqsManagedSseEnable: true");
    assert_ne!(broken, text);
    let path =
        std::env::temp_dir().join(format!("zdwatch-test-{}-broken.yaml", std::process::id()));
    std::fs::write(&path, broken).unwrap();
    let (ok, said) = lint(&path);
    let _ = std::fs::remove_file(&path);
    assert!(!ok && said.contains("SqsManagedSseEnable"), "{said}");
}

#[test]
fn the_template_configures_the_function_as_the_relay_reads_it() {
    let text = std::fs::read_to_string(template_path()).unwrap();
    let lambda =
        std::fs::read_to_string(Path::new(ROOT).join("crates/relay-lambda/src/main.rs")).unwrap();
    // Every variable the template sets is one the function reads.
    for variable in [
        "ZDWATCH_RELAY_BUS",
        "ZDWATCH_RELAY_SOURCE",
        "ZENDESK_WEBHOOK_SECRET_ID",
    ] {
        assert!(
            text.contains(&format!("{variable}:")),
            "{variable} not set by the template"
        );
        assert!(
            lambda.contains(&format!("\"{variable}\"")),
            "{variable} not read by the function"
        );
    }
    // The custom runtime runs `bootstrap`, the binary the relay-lambda package builds.
    assert!(text.contains("Runtime: provided.al2023") && text.contains("Handler: bootstrap"));
    let manifest =
        std::fs::read_to_string(Path::new(ROOT).join("crates/relay-lambda/Cargo.toml")).unwrap();
    assert!(manifest.contains("name = \"bootstrap\""));
    // The relay's default source is the template's, and the rule matches what the relay puts.
    assert!(
        text.contains(&format!("Default: {}", zdwatch_relay::DEFAULT_SOURCE)),
        "the template's default source is not the relay's"
    );
    assert!(text.contains("source:\n          - !Ref RelaySource"));
    // Least privilege: PutEvents on the bus only, the secret only, SSE on the queue, the queue
    // open to the debug rule only.
    assert!(text.contains("Action: events:PutEvents\n                Resource: !GetAtt Bus.Arn"));
    assert!(text.contains(
        "Action: secretsmanager:GetSecretValue\n                Resource: !Ref SigningSecret"
    ));
    assert!(text.contains("aws:SourceArn: !GetAtt DebugRule.Arn"));
    assert!(text.contains("SqsManagedSseEnabled: true"));
}
