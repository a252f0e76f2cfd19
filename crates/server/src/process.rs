//! Process set-up that must happen before the server starts any thread, as
//! Redis does it: `daemonize` (fork into the background) and `disable-thp`
//! (opt out of transparent huge pages when the kernel forces them).

use std::io;

use crate::config::Config;

/// Where a daemonized server writes its pid when `pidfile` is not set
/// (Redis's default).
pub const DEFAULT_DAEMON_PIDFILE: &str = "/var/run/redis.pid";

/// Applies the process-level parameters. Call it from `main`, before
/// [`crate::run`] and before any thread exists: it may fork.
pub fn prepare(config: &mut Config) -> io::Result<()> {
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
