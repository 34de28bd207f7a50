//! moto_server, the local SQS/EventBridge/Secrets Manager server every AWS test talks to: started
//! on a free 127.0.0.1 port, with SDK clients pointed at it. Its own file so that the tests of the
//! other workspace packages (the Lambda relay's) use the same harness.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_sqs::config::{Credentials, Region};

pub const MOTO_VERSION: &str = "5.2.5";
pub const REGION: &str = "us-east-1";

/// A moto_server of this test process, stopped when dropped.
pub struct Moto {
    child: Child,
    pub endpoint: String,
    log: PathBuf,
}

fn moto_binary() -> PathBuf {
    if let Ok(p) = std::env::var("ZDWATCH_MOTO_SERVER") {
        return PathBuf::from(p);
    }
    // The workspace's .venv, seen from the root package or from one under crates/.
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    for venv in [here.join(".venv"), here.join("../../.venv")] {
        let binary = venv.join("bin/moto_server");
        if binary.exists() {
            return binary;
        }
    }
    if let Some(found) = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("moto_server"))
            .find(|p| p.exists())
    }) {
        return found;
    }
    panic!(
        "moto_server not found: these tests need the local SQS/EventBridge server.\n\
         Run them with `scripts/test` (it installs moto[server]=={MOTO_VERSION} into .venv), or\n\
         `python3 -m venv .venv && .venv/bin/pip install 'moto[server]=={MOTO_VERSION}'`,\n\
         or point ZDWATCH_MOTO_SERVER at a moto_server executable."
    );
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

impl Moto {
    pub fn start() -> Moto {
        let binary = moto_binary();
        for _ in 0..3 {
            let port = free_port();
            let log = std::env::temp_dir().join(format!("zdwatch-moto-{port}.log"));
            let log_file = std::fs::File::create(&log).expect("moto log file");
            let child = Command::new(&binary)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(log_file.try_clone().expect("log handle"))
                .stderr(log_file)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
            let mut moto = Moto {
                child,
                endpoint: format!("http://127.0.0.1:{port}"),
                log,
            };
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = moto.child.try_wait() {
                    break; // exited: port taken or broken install; try again or report
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return moto;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        panic!(
            "moto_server did not start; see the logs zdwatch-moto-*.log in {}",
            std::env::temp_dir().display()
        );
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn sdk_config(&self) -> aws_config::SdkConfig {
        aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(Region::new(REGION))
            .endpoint_url(&self.endpoint)
            .credentials_provider(aws_sdk_sqs::config::SharedCredentialsProvider::new(
                Credentials::new("testing", "testing", None, None, "zdwatch-tests"),
            ))
            .build()
    }

    pub fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.sdk_config())
    }

    pub fn eventbridge(&self) -> aws_sdk_eventbridge::Client {
        aws_sdk_eventbridge::Client::new(&self.sdk_config())
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}
