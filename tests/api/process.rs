//! `coregroup serve` run as a process of its own, for what only a whole process shows: how
//! much memory it holds, and what it writes to standard error. (The harness's servers share
//! the test process with every other test running at the same time, so their memory cannot
//! be told apart.)

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use crate::harness::TEST_SECRET;

pub struct ServerProcess {
    child: Child,
    pub address: String,
    log: Arc<Mutex<Vec<String>>>,
}

/// Removes ANSI escape sequences (`ESC [ … letter`), to read a line whatever its colours.
pub fn strip_ansi(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The port in the "coregroup is listening" line, in either log format.
fn port_of(line: &str) -> Option<u16> {
    let plain = strip_ansi(line);
    let rest = plain
        .split_once("\"port\":")
        .or_else(|| plain.split_once("port="))?
        .1;
    rest.chars()
        .take_while(|c| c.is_ascii_digit())
        .collect::<String>()
        .parse()
        .ok()
}

impl ServerProcess {
    /// Starts `coregroup serve` on a free local port against `database_url`, with the test
    /// secret and the given extra environment, and waits until it listens. Standard error is
    /// read to the end in the background (a full pipe would stall the server).
    pub fn start(database_url: &str, log_format: &str, env: &[(&str, &str)]) -> ServerProcess {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_coregroup"));
        cmd.arg("serve")
            .env_remove("DATABASE_READ_URL")
            .env_remove("COREGROUP_TIMEZONE")
            .env_remove("COREGROUP_TRUST_FORWARDED_FOR")
            .env_remove("COREGROUP_WORKERS")
            .env("DATABASE_URL", database_url)
            .env("COREGROUP_JWT_SECRET", TEST_SECRET)
            .env("COREGROUP_BIND", "127.0.0.1:0")
            .env("COREGROUP_LOG_FORMAT", log_format)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("coregroup serve starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (port_tx, port_rx) = mpsc::channel();
        {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    let port = line
                        .contains("coregroup is listening")
                        .then(|| port_of(&line));
                    log.lock().expect("log lock").push(line);
                    if let Some(port) = port {
                        let _ = port_tx.send(port);
                    }
                }
            });
        }
        let port = match port_rx.recv_timeout(Duration::from_secs(120)) {
            Ok(Some(port)) => port,
            other => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "the server did not say where it listens ({other:?}): {:?}",
                    log.lock().expect("log lock")
                );
            }
        };
        ServerProcess {
            child,
            address: format!("http://127.0.0.1:{port}"),
            log,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A line of `/proc/PID/status` in KiB (`VmRSS`: resident now; `VmHWM`: the peak so far).
    fn status_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("the server's /proc status (Linux)");
        status
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{field}:")))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {field} in {status}"))
    }

    pub fn rss_kib(&self) -> u64 {
        self.status_kib("VmRSS")
    }

    pub fn peak_rss_kib(&self) -> u64 {
        self.status_kib("VmHWM")
    }

    /// Every line written to standard error so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().expect("log lock").clone()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
