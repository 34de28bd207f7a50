//! README's IAM policies are documents, and complete: every policy block in "AWS permissions"
//! is valid JSON, and every SQS, EventBridge and STS API the code calls is allowed by at least one
//! of them (Secrets Manager and SSM too, for the relay's secret). The APIs are the operations of the SDK crates this build uses (their
//! `src/operation/<name>` folders, in Cargo's registry, at the versions of Cargo.lock) that the sources call as
//! `.<name>()`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// README's "AWS permissions" section.
fn permissions_section() -> String {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    let start = readme
        .find("## AWS permissions")
        .expect("an AWS permissions section");
    let rest = &readme[start + 3..];
    let end = rest.find("\n## ").map_or(rest.len(), |i| i);
    rest[..end].to_string()
}

/// The operations folder of each SDK crate this build compiles (the version in Cargo.lock, in
/// Cargo's registry sources), by IAM service prefix.
fn sdk_dirs() -> Vec<(String, PathBuf)> {
    let lock = std::fs::read_to_string(Path::new(ROOT).join("Cargo.lock")).unwrap();
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .expect("CARGO_HOME or HOME");
    let registries: Vec<PathBuf> = std::fs::read_dir(cargo_home.join("registry/src"))
        .expect("Cargo's registry sources")
        .flatten()
        .map(|e| e.path())
        .collect();
    let mut dirs = Vec::new();
    for (krate, service) in [
        ("aws-sdk-sqs", "sqs"),
        ("aws-sdk-eventbridge", "events"),
        ("aws-sdk-sts", "sts"),
        ("aws-sdk-secretsmanager", "secretsmanager"),
        ("aws-sdk-ssm", "ssm"),
    ] {
        let version = lock
            .split("[[package]]")
            .find(|p| p.contains(&format!("name = \"{krate}\"\n")))
            .and_then(|p| p.split("version = \"").nth(1))
            .and_then(|v| v.split('"').next())
            .unwrap_or_else(|| panic!("{krate} in Cargo.lock"));
        let dir = registries
            .iter()
            .map(|r| r.join(format!("{krate}-{version}/src/operation")))
            .find(|d| d.is_dir())
            .unwrap_or_else(|| panic!("{krate} {version} in {registries:?}"));
        dirs.push((service.to_string(), dir));
    }
    dirs
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        // The program's sources, not the tests of the packages under crates/.
        if path.is_dir() && !path.ends_with("tests") {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `.name()` calls in the program's sources (not its tests); with `naming`, only in the files
/// that name that crate (`aws_sdk_ssm`: an operation name like `list_tags_for_resource` is shared
/// by many services, and only the relay's secret loader uses Secrets Manager and SSM).
fn calls(naming: Option<&str>) -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(&Path::new(ROOT).join("src"), &mut files);
    rust_files(&Path::new(ROOT).join("crates"), &mut files);
    let mut found = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        if naming.is_some_and(|krate| !text.contains(krate)) {
            continue;
        }
        for piece in text.split('.').skip(1) {
            let name: String = piece
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if !name.is_empty() && piece[name.len()..].starts_with("()") {
                found.insert(name);
            }
        }
    }
    found
}

fn camel(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

#[test]
fn every_policy_block_is_json() {
    let section = permissions_section();
    let blocks: Vec<&str> = section
        .split("```json")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .collect();
    assert!(blocks.len() >= 6, "one policy per use: {}", blocks.len());
    for block in blocks {
        serde_json::from_str::<serde_json::Value>(block)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{block}"));
    }
}

#[test]
fn every_aws_api_the_code_calls_is_in_a_documented_policy() {
    let section = permissions_section();
    let dirs = sdk_dirs();
    assert_eq!(
        dirs.len(),
        5,
        "sqs, eventbridge, sts, secretsmanager and ssm crates: {dirs:?}"
    );
    let mut used = Vec::new();
    for (service, dir) in &dirs {
        let calls = match service.as_str() {
            "secretsmanager" => calls(Some("aws_sdk_secretsmanager")),
            "ssm" => calls(Some("aws_sdk_ssm")),
            _ => calls(None),
        };
        for call in &calls {
            if dir.join(call).is_dir() {
                let mut action = camel(call);
                // A batch call is allowed by its single call's action.
                if *service == "sqs" {
                    action = action.trim_end_matches("Batch").to_string();
                }
                used.push(format!("{service}:{action}"));
            }
        }
    }
    assert!(
        used.iter().any(|a| a == "sqs:ReceiveMessage") && used.len() > 20,
        "the scan finds the calls: {used:?}"
    );
    let missing: Vec<&String> = used
        .iter()
        .filter(|a| !section.contains(&format!("\"{a}\"")) && !section.contains(&format!("`{a}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "called but in no policy of README's AWS permissions: {missing:?}"
    );
}
