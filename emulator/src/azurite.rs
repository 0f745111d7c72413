//! Private Azurite instances for tests: real Azure Storage semantics on free loopback ports.
//!
//! `node …/azurite.js` is run directly (not through npx or a shell) so the child's PID is the
//! server's and stopping it stops the server. [`Azurite::shared`] gives one instance per test
//! process, stopped when the process exits; [`Azurite::start`] gives one that stops on drop.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::storage::StorageAccount;
use crate::storage::account::azurite_connection_string;

/// Where Azurite's entry point is installed by `npm ci` at the repository root.
const ENTRY_POINT: &str = "node_modules/azurite/dist/src/azurite.js";
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum AzuriteError {
    #[error(
        "Azurite is not installed: no {ENTRY_POINT} above {0} (run `npm ci` at the repository root, or set SPMIG_AZURITE_JS)"
    )]
    NotInstalled(String),
    #[error("cannot start node: {0}")]
    Spawn(std::io::Error),
    #[error("Azurite exited during startup: {0}")]
    Exited(String),
    #[error("Azurite did not answer within {0:?}")]
    Timeout(Duration),
    #[error("no free port: {0}")]
    Ports(std::io::Error),
}

/// A running Azurite; killed on drop.
pub struct Azurite {
    child: Child,
    pub blob_port: u16,
    pub queue_port: u16,
    _data: tempfile::TempDir,
}

impl Azurite {
    /// Starts a private instance with its own data directory, and waits until both the blob
    /// and queue services accept connections.
    pub fn start() -> Result<Azurite, AzuriteError> {
        let entry = find_entry_point()?;
        let data = tempfile::Builder::new().prefix("spmig-azurite-").tempdir().map_err(AzuriteError::Spawn)?;
        let [blob_port, queue_port, table_port] = free_ports()?;
        let log = std::fs::File::create(data.path().join("azurite.log")).map_err(AzuriteError::Spawn)?;
        let child = Command::new("node")
            .arg(&entry)
            .args(["--silent", "--disableTelemetry", "--skipApiVersionCheck"])
            .arg("--location")
            .arg(data.path())
            .args(["--blobHost", "127.0.0.1", "--blobPort", &blob_port.to_string()])
            .args(["--queueHost", "127.0.0.1", "--queuePort", &queue_port.to_string()])
            .args(["--tableHost", "127.0.0.1", "--tablePort", &table_port.to_string()])
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(AzuriteError::Spawn)?)
            .stderr(log)
            .spawn()
            .map_err(AzuriteError::Spawn)?;
        let mut azurite = Azurite { child, blob_port, queue_port, _data: data };
        azurite.wait_until_listening()?;
        Ok(azurite)
    }

    /// The instance shared by every test of this process, started on first use and stopped
    /// when the process exits.
    pub fn shared() -> &'static Azurite {
        static SHARED: OnceLock<Azurite> = OnceLock::new();
        SHARED.get_or_init(|| {
            let azurite = Azurite::start().unwrap_or_else(|e| panic!("{e}"));
            register_exit_kill(azurite.child.id());
            azurite
        })
    }

    pub fn connection_string(&self) -> String {
        azurite_connection_string(self.blob_port, self.queue_port)
    }

    pub fn account(&self) -> StorageAccount {
        StorageAccount::parse(&self.connection_string()).expect("Azurite's connection string parses")
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn wait_until_listening(&mut self) -> Result<(), AzuriteError> {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                let log = std::fs::read_to_string(self._data.path().join("azurite.log")).unwrap_or_default();
                return Err(AzuriteError::Exited(format!("{status}: {}", log.trim())));
            }
            let up =
                |port| TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200)).is_ok();
            if up(self.blob_port) && up(self.queue_port) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(AzuriteError::Timeout(STARTUP_TIMEOUT));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Azurite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Statics are never dropped, so the shared instance is killed from an exit hook instead.
fn register_exit_kill(pid: u32) {
    static PIDS: Mutex<Vec<u32>> = Mutex::new(Vec::new());
    extern "C" fn kill_all() {
        if let Ok(pids) = PIDS.lock() {
            for pid in pids.iter() {
                // SAFETY: kill(2) with a PID we spawned; no memory is touched.
                unsafe {
                    libc::kill(*pid as libc::pid_t, libc::SIGKILL);
                }
            }
        }
    }
    let mut pids = PIDS.lock().unwrap_or_else(|e| e.into_inner());
    if pids.is_empty() {
        // SAFETY: registering a plain extern "C" function with no captured state.
        unsafe {
            libc::atexit(kill_all);
        }
    }
    pids.push(pid);
}

fn free_ports() -> Result<[u16; 3], AzuriteError> {
    // Hold all three listeners at once so the ports differ; the small window between closing
    // them and Azurite binding is acceptable for tests.
    let listeners: Vec<TcpListener> =
        (0..3).map(|_| TcpListener::bind("127.0.0.1:0")).collect::<Result<_, _>>().map_err(AzuriteError::Ports)?;
    let port = |l: &TcpListener| l.local_addr().map(|a| a.port()).map_err(AzuriteError::Ports);
    Ok([port(&listeners[0])?, port(&listeners[1])?, port(&listeners[2])?])
}

fn find_entry_point() -> Result<PathBuf, AzuriteError> {
    if let Some(path) = std::env::var_os("SPMIG_AZURITE_JS") {
        return Ok(PathBuf::from(path));
    }
    let start = Path::new(env!("CARGO_MANIFEST_DIR"));
    start
        .ancestors()
        .map(|dir| dir.join(ENTRY_POINT))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| AzuriteError::NotInstalled(start.display().to_string()))
}
