//! The real `zdwatch` binary in a pseudo-terminal, its screen read back through a terminal
//! emulator (vt100), and every byte it wrote kept for assertions.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

fn nonzero(n: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n.max(1)).unwrap()
}

pub struct Pty {
    child: Box<dyn Child + Send + Sync>,
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    parser: Arc<Mutex<vt100::Parser>>,
    bytes: Arc<Mutex<Vec<u8>>>,
}

impl Pty {
    /// Starts `zdwatch ARGS` in a `cols`×`rows` terminal with a clean AWS environment plus `env`.
    pub fn spawn(args: &[&str], env: &[(&str, &str)], cols: u16, rows: u16) -> Pty {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pseudo-terminal");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_zdwatch"));
        cmd.args(args);
        for var in [
            "AWS_PROFILE",
            "AWS_ENDPOINT_URL",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "ZDWATCH_LOG",
            "ZDWATCH_ZENDESK_SUBDOMAIN",
            "ZDWATCH_CONFIG",
            "ZDWATCH_MASK",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("AWS_CONFIG_FILE", "/nonexistent/zdwatch-test-config");
        cmd.env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/zdwatch-test-credentials",
        );
        cmd.env("AWS_EC2_METADATA_DISABLED", "true");
        cmd.env("TERM", "xterm-256color");
        cmd.env("TZ", "UTC");
        cmd.env("XDG_DATA_HOME", super::data_home());
        cmd.env("XDG_CONFIG_HOME", super::config_home());
        cmd.env("XDG_STATE_HOME", super::state_home());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair
            .slave
            .spawn_command(cmd)
            .expect("start zdwatch in the pty");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = pair.master.take_writer().expect("pty writer");
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            nonzero(rows),
            nonzero(cols),
            0,
        )));
        let bytes = Arc::new(Mutex::new(Vec::new()));
        let (p, b) = (parser.clone(), bytes.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        b.lock().unwrap().extend_from_slice(&buf[..n]);
                        p.lock().unwrap().process(&buf[..n]);
                    }
                }
            }
        });
        Pty {
            child,
            master: pair.master,
            writer,
            parser,
            bytes,
        }
    }

    /// The screen as text, one line per row.
    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Every byte the program wrote so far.
    pub fn bytes(&self) -> Vec<u8> {
        self.bytes.lock().unwrap().clone()
    }

    pub fn alternate_screen(&self) -> bool {
        self.parser.lock().unwrap().screen().alternate_screen()
    }

    /// Waits until the screen shows `text`; fails with the screen when it does not in time.
    pub fn wait_for(&self, text: &str, limit: Duration) {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return;
            }
            assert!(
                start.elapsed() < limit,
                "no {text:?} on screen after {limit:?}:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Types keys (raw bytes: `\r` is Enter, `\x1b` Esc, `\x03` Ctrl-c).
    pub fn send(&mut self, keys: &str) {
        self.writer
            .write_all(keys.as_bytes())
            .expect("write to the pty");
        self.writer.flush().expect("flush the pty");
        // Let the key be read as its own event (an Esc followed at once by a key reads as Alt-key).
        std::thread::sleep(Duration::from_millis(120));
    }

    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize the pty");
        self.parser
            .lock()
            .unwrap()
            .screen_mut()
            .set_size(nonzero(rows), nonzero(cols));
    }

    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("zdwatch pid")
    }

    /// Waits for the program to end and returns its exit code.
    pub fn wait_exit(&mut self, limit: Duration) -> u32 {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for zdwatch") {
                // Let the reader thread take the last bytes.
                std::thread::sleep(Duration::from_millis(200));
                return status.exit_code();
            }
            if start.elapsed() > limit {
                let _ = self.child.kill();
                panic!(
                    "zdwatch did not exit within {limit:?}; screen:\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The terminal is back to normal: the alternate screen was left after it was entered, the
    /// cursor is visible, mouse reporting is off.
    pub fn assert_terminal_restored(&self) {
        let bytes = self.bytes();
        let last = |pattern: &[u8]| bytes.windows(pattern.len()).rposition(|w| w == pattern);
        let entered = last(b"\x1b[?1049h").expect("the monitor used the alternate screen");
        let left = last(b"\x1b[?1049l").expect("the alternate screen was left");
        assert!(
            left > entered,
            "left the alternate screen after entering it"
        );
        assert!(!self.alternate_screen(), "back on the main screen");
        assert!(
            !self.parser.lock().unwrap().screen().hide_cursor(),
            "cursor visible"
        );
        let mouse_off = last(b"\x1b[?1000l").expect("mouse capture turned off");
        assert!(mouse_off > entered);
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}
