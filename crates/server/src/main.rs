//! The `ember-server` binary: parse the command line like redis-server
//! (`ember-server [/path/to/redis.conf] [--option value ...]`), prepare the
//! process (daemonize, THP), then run.

use clap::Parser;

/// Every allocation is counted (INFO used_memory, maxmemory): see
/// `ember_server::alloc`.
#[global_allocator]
static ALLOC: ember_server::alloc::CountingAlloc = ember_server::alloc::CountingAlloc;

/// A Redis-compatible in-memory data server.
#[derive(Parser)]
#[command(name = "ember-server", version, about, disable_help_subcommand = true)]
struct Cli {
    /// Optional config file (redis.conf syntax; `-` reads standard input),
    /// followed by `--directive value ...` overrides, e.g. `--port 7000`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "CONFIG_AND_OPTIONS")]
    args: Vec<String>,
}

fn main() -> anyhow::Result<()> {
    tune_allocator();
    let cli = Cli::parse();
    let mut config = match ember_server::Config::from_args(&cli.args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    ember_server::process::prepare(&mut config)?;
    ember_server::run(config)?;
    Ok(())
}

/// Turns off glibc malloc's "fastbins", so freed small blocks are coalesced
/// when they are freed rather than all at once later. With fastbins, freeing
/// a million keys (mass expiry, a big DEL) leaves them queued, and the next
/// allocation of 1 KiB or more stops to consolidate the whole queue: a 7 ms
/// pause measured in `cargo xtask expiry`. The thread cache (tcache) still
/// serves the per-request churn, and `cargo xtask bench` shows no CPU cost
/// (docs/BENCHMARKS.md, "Allocator").
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a malloc parameter; it is called before any
    // other thread exists.
    unsafe {
        nix::libc::mallopt(nix::libc::M_MXFAST, 0);
    }
}
