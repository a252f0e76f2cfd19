//! `ember-rdb`: check, dump and summarize RDB files.
//!
//! - `ember-rdb check FILE`: verifies the structure and checksum; on error
//!   prints the reason and the first bad offset and exits with status 1.
//! - `ember-rdb dump FILE [--hex] [--db N]`: one JSON object per key (see
//!   `ember_rdb::inspect::entry_json` for the shape and the binary-safe
//!   string rules).
//! - `ember-rdb stats FILE [--top N]`: counts and sizes per type, encoding
//!   and database, the biggest keys, and size by key prefix.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ember_rdb::inspect::{entry_json, BytesFormat, Stats};
use ember_rdb::{Item, RdbError, Reader};

#[derive(Parser)]
#[command(name = "ember-rdb", version, about = "Check, dump and summarize Redis RDB files")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Verify structure and checksum; exit status 1 on the first error.
    Check {
        /// The RDB file.
        file: PathBuf,
    },
    /// Print every key as a JSON line: db, key, type, encoding, ttl, value.
    Dump {
        /// The RDB file.
        file: PathBuf,
        /// Write keys and values as hex instead of escaped UTF-8.
        #[arg(long)]
        hex: bool,
        /// Only this database.
        #[arg(long)]
        db: Option<u64>,
    },
    /// Per-type counts and sizes, biggest keys, size by key prefix.
    Stats {
        /// The RDB file.
        file: PathBuf,
        /// How many biggest keys and prefixes to list.
        #[arg(long, default_value_t = 10)]
        top: usize,
    },
}

fn open(path: &PathBuf) -> Result<Reader<BufReader<File>>, RdbError> {
    Reader::new(BufReader::with_capacity(1 << 16, File::open(path)?))
}

fn fail(e: &RdbError) -> ExitCode {
    eprintln!("error: {e}");
    if let Some(offset) = e.offset() {
        eprintln!("first bad offset: {offset}");
    }
    ExitCode::FAILURE
}

fn check(path: &PathBuf) -> Result<String, RdbError> {
    let mut reader = open(path)?;
    let (mut keys, mut expires, mut dbs) = (0u64, 0u64, std::collections::BTreeSet::new());
    let mut checksum = None;
    while let Some(item) = reader.next_item()? {
        match item {
            Item::Entry(e) => {
                keys += 1;
                expires += u64::from(e.expire_ms.is_some());
                dbs.insert(reader.current_db());
            }
            Item::End { checksum: c } => checksum = c,
            _ => {}
        }
    }
    let sum = match checksum {
        None => "no checksum (RDB version before 5)".to_string(),
        Some(0) => "checksum not computed by the writer".to_string(),
        Some(c) => format!("checksum 0x{c:016x} verified"),
    };
    Ok(format!(
        "OK: RDB version {}, {} bytes, {keys} keys in {} databases, {expires} with expiry, {sum}",
        reader.version(),
        reader.offset(),
        dbs.len()
    ))
}

fn dump(path: &PathBuf, format: BytesFormat, only_db: Option<u64>, out: &mut impl Write) -> Result<(), RdbError> {
    let mut reader = open(path)?;
    while let Some(item) = reader.next_item()? {
        if let Item::Entry(e) = item {
            let db = reader.current_db();
            if only_db.is_none_or(|d| d == db) {
                let mut line = entry_json(db, &e, format);
                line.push('\n');
                out.write_all(line.as_bytes())?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

fn stats(path: &PathBuf, top: usize) -> Result<String, RdbError> {
    let mut reader = open(path)?;
    let mut stats = Stats::new(top);
    let mut start = reader.offset();
    while let Some(item) = reader.next_item()? {
        if let Item::Entry(e) = &item {
            stats.add(reader.current_db(), e, reader.offset() - start);
        }
        start = reader.offset();
    }
    Ok(format!(
        "RDB version {}, {} keys, {} bytes\n\n{}",
        reader.version(),
        stats.keys(),
        reader.offset(),
        stats.render()
    ))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = io::stdout();
    let result = match &cli.command {
        Command::Check { file } => check(file).map(|report| println!("{report}")),
        Command::Dump { file, hex, db } => {
            let format = if *hex { BytesFormat::Hex } else { BytesFormat::Escaped };
            let mut out = BufWriter::new(stdout.lock());
            match dump(file, format, *db, &mut out) {
                // A closed pipe (`| head`) ends the dump quietly.
                Err(RdbError::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                other => other,
            }
        }
        Command::Stats { file, top } => stats(file, *top).map(|report| print!("{report}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}
