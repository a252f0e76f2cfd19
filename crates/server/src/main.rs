//! The `ember-server` binary: parse the command line like redis-server
//! (`ember-server [/path/to/redis.conf] [--option value ...]`), then run.

use clap::Parser;

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
    let cli = Cli::parse();
    let config = match ember_server::Config::from_args(&cli.args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    ember_server::run(config)?;
    Ok(())
}
