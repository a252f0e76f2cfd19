//! The process's dealings with the operating system, as Redis has them:
//! set-up that must happen before any thread starts (`daemonize`,
//! `disable-thp`), telling a supervisor (systemd, upstart) that the server
//! is ready or stopping, the OOM killer's score (`oom-score-adj`) and CPU
//! affinity (`server_cpulist`, `bio_cpulist`, `bgsave_cpulist`).

use std::io;

use crate::config::Config;
use crate::log;

/// Where a daemonized server writes its pid when `pidfile` is not set
/// (Redis's default).
pub const DEFAULT_DAEMON_PIDFILE: &str = "/var/run/redis.pid";

/// Applies the process-level parameters: enters `dir` (parsing only
/// recorded it, so relative `logfile` / `pidfile` / `dbfilename` paths are
/// relative to it, as in Redis), daemonizes, opts out of THP. Call it from
/// `main` once the configuration has loaded, before [`crate::run`] and
/// before any thread exists: it may fork.
pub fn prepare(config: &mut Config) -> io::Result<()> {
    let dir = config.dir.clone();
    config.enter_dir().map_err(|e| io::Error::other(format!("Can't chdir to '{dir}': {}", e.0)))?;
    if config.daemonize {
        daemonize()?;
        if config.pidfile.is_empty() {
            config.pidfile = DEFAULT_DAEMON_PIDFILE.to_string();
        }
    }
    if config.disable_thp && thp_always() {
        // Like Redis, only when the kernel gives every process huge pages:
        // a fork then copies 2 MiB for each page a write touches.
        nix::sys::prctl::set_thp_disable(true)?;
    }
    Ok(())
}

/// Forks; the parent exits 0 and the child, in a new session, carries on
/// with standard input and output on /dev/null.
fn daemonize() -> io::Result<()> {
    // SAFETY: called from main before any other thread exists, so the child
    // is a complete copy of the process.
    match unsafe { nix::unistd::fork() }? {
        nix::unistd::ForkResult::Parent { .. } => std::process::exit(0),
        nix::unistd::ForkResult::Child => {}
    }
    nix::unistd::setsid()?;
    let null = std::fs::OpenOptions::new().read(true).write(true).open("/dev/null")?;
    nix::unistd::dup2_stdin(&null)?;
    nix::unistd::dup2_stdout(&null)?;
    nix::unistd::dup2_stderr(&null)?;
    Ok(())
}

/// Whether the kernel's transparent huge page mode is `always`.
fn thp_always() -> bool {
    std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled").is_ok_and(|s| s.contains("[always]"))
}

// ---- supervision ----------------------------------------------------------

/// Who supervises the process, from `supervised` and the environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Supervisor {
    /// Nobody (or nobody ember can talk to).
    None,
    /// systemd: readiness and stopping go to `$NOTIFY_SOCKET`.
    Systemd,
    /// upstart: the server stops itself (SIGSTOP) once ready.
    Upstart,
}

/// The supervisor `mode` (`no`, `auto`, `systemd`, `upstart`) names, given
/// the environment variables systemd and upstart set.
pub fn supervisor(mode: &str, notify_socket: bool, upstart_job: bool) -> Supervisor {
    match mode {
        "systemd" => Supervisor::Systemd,
        "upstart" => Supervisor::Upstart,
        "auto" if notify_socket => Supervisor::Systemd,
        "auto" if upstart_job => Supervisor::Upstart,
        _ => Supervisor::None,
    }
}

fn configured_supervisor(config: &Config) -> Supervisor {
    let mode = config.value("supervised").unwrap_or_default();
    supervisor(&mode, std::env::var_os("NOTIFY_SOCKET").is_some(), std::env::var_os("UPSTART_JOB").is_some())
}

/// Tells the supervisor the server is ready (data loaded, listening):
/// systemd gets `READY=1` on its notification socket, upstart sees the
/// process stop itself, as Redis does.
pub fn notify_ready(config: &Config) {
    match configured_supervisor(config) {
        Supervisor::Systemd => {
            log!(Notice, "Supervised by systemd. Please make sure you set appropriate values for TimeoutStartSec and TimeoutStopSec in your service unit.");
            systemd_notify("STATUS=Ready to accept connections\n");
            systemd_notify("READY=1\n");
        }
        Supervisor::Upstart => {
            log!(Notice, "Supervised by upstart, will stop to signal readiness.");
            // Upstart resumes the process once it has seen it stop.
            let _ = nix::sys::signal::raise(nix::sys::signal::Signal::SIGSTOP);
            // Children (BGSAVE) must not stop themselves too. The only other
            // thread (lazy free) never reads the environment.
            std::env::remove_var("UPSTART_JOB");
        }
        Supervisor::None => {}
    }
}

/// Tells systemd the server is stopping.
pub fn notify_stopping(config: &Config) {
    if configured_supervisor(config) == Supervisor::Systemd {
        systemd_notify("STOPPING=1\n");
    }
}

/// Sends one sd_notify message to `$NOTIFY_SOCKET` (a path, or an abstract
/// socket when it starts with `@`).
fn systemd_notify(msg: &str) {
    use std::os::linux::net::SocketAddrExt;
    use std::os::unix::net::{SocketAddr, UnixDatagram};
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
        log!(Warning, "systemd supervision requested or auto-detected, but NOTIFY_SOCKET not found!");
        return;
    };
    let path = path.to_string_lossy().into_owned();
    let addr = match path.strip_prefix('@') {
        Some(name) => SocketAddr::from_abstract_name(name.as_bytes()),
        None => SocketAddr::from_pathname(&path),
    };
    let sent = addr.and_then(|addr| UnixDatagram::unbound()?.send_to_addr(msg.as_bytes(), &addr));
    if let Err(e) = sent {
        log!(Warning, "Can't send notification to systemd: {e}");
    }
}

// ---- OOM score ---------------------------------------------------------------

/// Whose OOM score is being set: `oom-score-adj-values` has one per class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OomClass {
    /// The server (a master: ember is never a replica).
    Server,
    /// A BGSAVE child.
    BackgroundChild,
}

/// The process's `oom_score_adj` when it started (what `relative` values
/// add to, and what `oom-score-adj no` restores).
static BASE_OOM_SCORE: std::sync::OnceLock<i64> = std::sync::OnceLock::new();

const OOM_SCORE_FILE: &str = "/proc/self/oom_score_adj";

fn base_oom_score() -> i64 {
    *BASE_OOM_SCORE
        .get_or_init(|| std::fs::read_to_string(OOM_SCORE_FILE).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0))
}

/// The `oom_score_adj` that `mode` (`no`, `yes`/`relative`, `absolute`) and
/// the three `values` give `class`; `None` for `no`.
pub fn oom_score(mode: &str, values: &str, class: OomClass, base: i64) -> Option<i64> {
    let values: Vec<i64> = values.split_whitespace().filter_map(|v| v.parse().ok()).collect();
    let v = *values.get(if class == OomClass::Server { 0 } else { 2 })?;
    match mode {
        "absolute" => Some(v),
        "yes" | "relative" => Some(base + v),
        _ => None,
    }
    .map(|v| v.clamp(-1000, 1000))
}

/// Applies `oom-score-adj` for `class` (restoring the starting value when
/// it is `no` and it was changed). Errors name the file write that failed.
pub fn apply_oom_score(config: &Config, class: OomClass) -> io::Result<()> {
    let base = base_oom_score();
    let mode = config.value("oom-score-adj").unwrap_or_default();
    let values = config.value("oom-score-adj-values").unwrap_or_default();
    let target = oom_score(&mode, &values, class, base).unwrap_or(base);
    let current = std::fs::read_to_string(OOM_SCORE_FILE).ok().and_then(|s| s.trim().parse::<i64>().ok());
    if current == Some(target) {
        return Ok(());
    }
    std::fs::write(OOM_SCORE_FILE, target.to_string())
}

// ---- CPU affinity --------------------------------------------------------------

/// Parses a CPU list as Redis and taskset take it: comma-separated CPUs
/// and ranges, a range optionally with a stride (`0-7:2` is 0, 2, 4, 6).
pub fn parse_cpulist(list: &str) -> Option<Vec<usize>> {
    let mut cpus = Vec::new();
    for item in list.split(',') {
        let (range, step) = match item.split_once(':') {
            Some((r, s)) => (r, s.parse::<usize>().ok().filter(|&s| s > 0)?),
            None => (item, 1),
        };
        let (lo, hi) = match range.split_once('-') {
            Some((a, b)) => (a.parse::<usize>().ok()?, b.parse::<usize>().ok()?),
            None => {
                let n = range.parse::<usize>().ok()?;
                (n, n)
            }
        };
        if lo > hi || hi >= nix::sched::CpuSet::count() {
            return None;
        }
        cpus.extend((lo..=hi).step_by(step));
    }
    Some(cpus)
}

/// Pins the calling thread to the CPUs of the `param` list (one of
/// `server_cpulist`, `bio_cpulist`, `bgsave_cpulist`), if it is set.
pub fn pin_thread(config: &Config, param: &str) {
    pin_thread_to(&config.value(param).unwrap_or_default(), param);
}

/// Pins the calling thread to the CPUs of `list` (named `param` in the
/// log); an empty list leaves it alone.
pub fn pin_thread_to(list: &str, param: &str) {
    if list.is_empty() {
        return;
    }
    let Some(cpus) = parse_cpulist(list) else { return };
    let mut set = nix::sched::CpuSet::new();
    for cpu in cpus {
        let _ = set.set(cpu);
    }
    if let Err(e) = nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(0), &set) {
        log!(Warning, "Failed to set {param} ({list}): {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supervisors() {
        assert_eq!(supervisor("no", true, true), Supervisor::None);
        assert_eq!(supervisor("systemd", false, false), Supervisor::Systemd);
        assert_eq!(supervisor("upstart", true, false), Supervisor::Upstart);
        assert_eq!(supervisor("auto", true, true), Supervisor::Systemd);
        assert_eq!(supervisor("auto", false, true), Supervisor::Upstart);
        assert_eq!(supervisor("auto", false, false), Supervisor::None);
    }

    #[test]
    fn oom_scores() {
        assert_eq!(oom_score("no", "0 200 800", OomClass::Server, 100), None);
        assert_eq!(oom_score("yes", "0 200 800", OomClass::Server, 100), Some(100));
        assert_eq!(oom_score("relative", "0 200 800", OomClass::BackgroundChild, 100), Some(900));
        assert_eq!(oom_score("yes", "0 200 800", OomClass::BackgroundChild, 300), Some(1000));
        assert_eq!(oom_score("absolute", "-2000 0 5", OomClass::Server, 100), Some(-1000));
        assert_eq!(oom_score("absolute", "-20 0 5", OomClass::BackgroundChild, 100), Some(5));
    }

    #[test]
    fn cpulists() {
        assert_eq!(parse_cpulist("0"), Some(vec![0]));
        assert_eq!(parse_cpulist("0-3"), Some(vec![0, 1, 2, 3]));
        assert_eq!(parse_cpulist("0-7:2,9"), Some(vec![0, 2, 4, 6, 9]));
        for bad in ["", "x", "3-1", "0-3:0", "1,", "-1", "0-99999"] {
            assert_eq!(parse_cpulist(bad), None, "{bad}");
        }
    }
}
