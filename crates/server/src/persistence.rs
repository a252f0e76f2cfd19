//! Persistence: SAVE, BGSAVE (fork), save points, loading at start-up.
//!
//! A snapshot is written to a temporary file in `dir`, fsynced, renamed over
//! `dbfilename` and the directory fsynced, so a crash at any moment leaves
//! either the previous dump or the new one, never a torn file. BGSAVE forks:
//! the child writes the copy-on-write snapshot and leaves with `_exit`; the
//! event loop reaps it with `waitpid(WNOHANG)` from cron and never blocks.
//! Only SAVE, SHUTDOWN's final save and DEBUG RELOAD write in the
//! foreground, as in Redis.
//!
//! A failed write (full disk, file-size limit: the server ignores SIGXFSZ)
//! removes the temporary file and logs the reason; after a failed BGSAVE
//! with save points configured, write commands (and PING) fail with
//! MISCONF until a save succeeds (`stop-writes-on-bgsave-error`). At
//! start-up `dir/dbfilename` is loaded if present, function libraries
//! included; keys already expired are dropped, and a corrupt file stops
//! start-up with the reader's error (offset and reason).
//!
//! Saving and loading allocate nothing per element: a save walks each
//! database with `Db::for_each` (which prefetches keys ahead, since every
//! key is its own allocation) and [`glue::to_rdb_ref`] copies each value's
//! elements into one reused buffer the writer encodes from; loading takes
//! the reader's borrowed entries and builds store values straight from
//! their slices ([`glue::from_rdb_ref`]). Streams go through the owned form
//! (`glue::stream_to_rdb` / `stream_from_rdb`: one listpack per node,
//! tombstones kept). A dump's idle times and frequencies are
//! applied at load (as RESTORE's IDLETIME / FREQ are); a save does not
//! write them. Figures: docs/BENCHMARKS.md, "Persistence".

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use ember_rdb::{AuxFields, ElementBuf, EncodingLimits, Item, ItemRef, Reader, WriteOptions, Writer};
use ember_store::{Store, Value};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::{fork, ForkResult, Pid};

use crate::commands::common::REDIS_VERSION;
use crate::config::Config;
use crate::glue;
use crate::log;
use crate::state::{unix_ms, Shared};

/// Seconds to wait before retrying a failed background save from a save point.
const BGSAVE_RETRY_DELAY_SECS: u64 = 5;

/// A running background save.
#[derive(Debug)]
pub struct Child {
    /// The child's pid.
    pub pid: Pid,
    /// When it started.
    pub started: Instant,
    /// `dirty` when it forked: what a successful save makes durable.
    pub dirty_at_start: u64,
}

/// Persistence state reported by INFO persistence and used by LASTSAVE.
#[derive(Debug)]
pub struct Persistence {
    /// The background save in progress.
    pub child: Option<Child>,
    /// Unix seconds of the last successful save (or start-up).
    pub last_save: u64,
    /// Whether the last background save succeeded.
    pub last_bgsave_ok: bool,
    /// Duration of the last background save, seconds (-1: none yet).
    pub last_bgsave_secs: i64,
    /// Unix seconds of the last background save attempt.
    pub last_bgsave_try: u64,
    /// Successful saves since start.
    pub saves: u64,
    /// A BGSAVE SCHEDULE is waiting for the current child to finish.
    pub scheduled: bool,
    /// Keys loaded at start-up.
    pub loaded_keys: u64,
    /// Keys already expired at start-up, dropped.
    pub loaded_expired: u64,
    /// Forks made.
    pub forks: u64,
    /// Microseconds the last fork took.
    pub last_fork_usec: u64,
}

impl Persistence {
    /// Fresh state at start-up.
    pub fn new() -> Persistence {
        Persistence {
            child: None,
            last_save: unix_ms() / 1000,
            last_bgsave_ok: true,
            last_bgsave_secs: -1,
            last_bgsave_try: 0,
            saves: 0,
            scheduled: false,
            loaded_keys: 0,
            loaded_expired: 0,
            forks: 0,
            last_fork_usec: 0,
        }
    }
}

impl Default for Persistence {
    fn default() -> Self {
        Persistence::new()
    }
}

/// The dump file path: `dir/dbfilename` (the process runs in `dir`).
pub fn dump_path(config: &Config) -> PathBuf {
    PathBuf::from(&config.dbfilename)
}

fn write_options(config: &Config) -> WriteOptions {
    let e = config.encodings();
    WriteOptions {
        compress: config.rdbcompression,
        checksum: config.rdbchecksum,
        limits: EncodingLimits {
            hash_max_listpack_entries: e.hash_max_listpack_entries,
            hash_max_listpack_value: e.hash_max_listpack_value,
            zset_max_listpack_entries: e.zset_max_listpack_entries,
            zset_max_listpack_value: e.zset_max_listpack_value,
            set_max_intset_entries: e.set_max_intset_entries,
            set_max_listpack_entries: e.set_max_listpack_entries,
            set_max_listpack_value: e.set_max_listpack_value,
            list_max_listpack_size: e.list_max_listpack_size,
        },
        ..WriteOptions::default()
    }
}

fn rdb_err(e: ember_rdb::RdbError) -> io::Error {
    io::Error::other(e.to_string())
}

/// Serialises the function libraries (`functions`: their code) and every
/// database to `out` in RDB format.
pub fn write_rdb<W: Write>(
    store: &Store,
    config: &Config,
    functions: &[Vec<u8>],
    out: W,
    used_mem: u64,
) -> io::Result<W> {
    let now = unix_ms();
    let mut w = Writer::new(out, write_options(config)).map_err(rdb_err)?;
    w.write_standard_aux(&AuxFields {
        redis_ver: REDIS_VERSION,
        redis_bits: 64,
        ctime: (now / 1000) as i64,
        used_mem,
        aof_base: false,
    })
    .map_err(rdb_err)?;
    // Function libraries come before the databases, as Redis writes them.
    for code in functions {
        w.write_function(code).map_err(rdb_err)?;
    }
    // One buffer for every value's elements.
    let mut elements = ElementBuf::new();
    for (i, db) in store.iter().enumerate() {
        if db.is_empty() {
            continue;
        }
        w.select_db(i as u64).map_err(rdb_err)?;
        w.resize_db(db.len() as u64, db.expires_len() as u64).map_err(rdb_err)?;
        let mut result = Ok(());
        db.for_each(now, |key, entry| {
            if result.is_err() {
                return;
            }
            let expire = entry.expire_at().map(|t| t as i64);
            if let Value::Stream(s) = entry.value() {
                result = w.write_key(key, &glue::stream_to_rdb(s), expire).map_err(rdb_err);
                return;
            }
            let value = glue::to_rdb_ref(entry.value(), &mut elements);
            result = w.write_key_ref(key, &value, expire).map_err(rdb_err);
        });
        result?;
    }
    w.finish().map_err(rdb_err)
}

/// Writes a snapshot atomically: temp file, fsync, rename, fsync of the
/// directory. On any error the previous dump is untouched and the temp file
/// removed.
pub fn save_to(store: &Store, config: &Config, functions: &[Vec<u8>], path: &Path, used_mem: u64) -> io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = dir.join(format!("temp-{}.rdb", std::process::id()));
    let result = (|| {
        let file = OpenOptions::new().write(true).create(true).truncate(true).open(&tmp)?;
        let out = write_rdb(store, config, functions, BufWriter::with_capacity(1 << 20, file), used_mem)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)?;
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// SAVE: a foreground save.
pub fn save(srv: &mut Shared) -> Result<(), String> {
    if srv.persistence.child.is_some() {
        return Err("ERR Background save already in progress".into());
    }
    let started = Instant::now();
    let path = dump_path(&srv.config);
    let functions = crate::scripting::library_codes(srv);
    match save_to(&srv.store, &srv.config, &functions, &path, crate::alloc::used_memory()) {
        Ok(()) => {
            log!(Notice, "DB saved on disk");
            let p = &mut srv.persistence;
            p.last_save = unix_ms() / 1000;
            p.saves += 1;
            p.last_bgsave_ok = true;
            srv.dirty = 0;
            log!(Verbose, "SAVE took {} ms", started.elapsed().as_millis());
            Ok(())
        }
        Err(e) => {
            log!(Warning, "Failed saving the DB: {e}");
            Err("ERR".into())
        }
    }
}

/// BGSAVE: forks a child that writes the snapshot.
pub fn bgsave(srv: &mut Shared) -> Result<(), String> {
    if srv.persistence.child.is_some() {
        return Err("ERR Background save already in progress".into());
    }
    let path = dump_path(&srv.config);
    let used = crate::alloc::used_memory();
    let started = Instant::now();
    srv.persistence.last_bgsave_try = unix_ms() / 1000;
    // SAFETY: the child only reads the (copy-on-write) dataset, writes the
    // file and leaves with _exit, never returning into the event loop.
    match unsafe { fork() } {
        Ok(ForkResult::Child) => {
            // Let the parent re-bind (CONFIG SET port / bind) while we run.
            srv.listeners.close_in_child();
            crate::process::pin_thread(&srv.config, "bgsave_cpulist");
            let _ = crate::process::apply_oom_score(&srv.config, crate::process::OomClass::BackgroundChild);
            let functions = crate::scripting::library_codes(srv);
            let code = match save_to(&srv.store, &srv.config, &functions, &path, used) {
                Ok(()) => 0,
                Err(e) => {
                    log!(Warning, "Write error saving DB on disk: {e}");
                    1
                }
            };
            // SAFETY: _exit ends the child without running the parent's
            // atexit handlers or destructors.
            unsafe { nix::libc::_exit(code) }
        }
        Ok(ForkResult::Parent { child }) => {
            let p = &mut srv.persistence;
            p.forks += 1;
            p.last_fork_usec = started.elapsed().as_micros() as u64;
            let ms = p.last_fork_usec / 1000;
            let spike = srv.config.latency_monitor_threshold;
            if spike > 0 && ms >= spike {
                srv.latency.add("fork", unix_ms() / 1000, ms);
            }
            p.child = Some(Child { pid: child, started, dirty_at_start: srv.dirty });
            log!(Notice, "Background saving started by pid {child}");
            Ok(())
        }
        Err(e) => {
            srv.persistence.last_bgsave_ok = false;
            log!(Warning, "Can't save in background: fork: {e}");
            Err(format!("ERR Can't save in background: fork: {e}"))
        }
    }
}

/// Reaps a finished background save (non-blocking) and runs save points.
pub fn cron(srv: &mut Shared) {
    if let Some(child) = &srv.persistence.child {
        match waitpid(child.pid, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) => {}
            Ok(status) => {
                let ok = matches!(status, WaitStatus::Exited(_, 0));
                let child = srv.persistence.child.take().expect("checked above");
                let p = &mut srv.persistence;
                p.last_bgsave_secs = child.started.elapsed().as_secs() as i64;
                p.last_bgsave_ok = ok;
                if ok {
                    log!(Notice, "Background saving terminated with success");
                    p.last_save = unix_ms() / 1000;
                    p.saves += 1;
                    srv.dirty = srv.dirty.saturating_sub(child.dirty_at_start);
                } else {
                    log!(Warning, "Background saving error");
                }
            }
            Err(e) => {
                log!(Warning, "waitpid() returned an error: {e}");
                srv.persistence.child = None;
                srv.persistence.last_bgsave_ok = false;
            }
        }
    }
    if srv.persistence.child.is_some() {
        return;
    }
    if srv.persistence.scheduled {
        srv.persistence.scheduled = false;
        let _ = bgsave(srv);
        return;
    }
    let now = unix_ms() / 1000;
    let p = &srv.persistence;
    let retry_ok = p.last_bgsave_ok || now.saturating_sub(p.last_bgsave_try) > BGSAVE_RETRY_DELAY_SECS;
    let due = srv
        .config
        .save
        .iter()
        .find(|&&(secs, changes)| srv.dirty >= changes && now.saturating_sub(p.last_save) >= secs);
    if let (Some(&(secs, changes)), true) = (due, retry_ok) {
        log!(Notice, "{changes} changes in {secs} seconds. Saving...");
        let _ = bgsave(srv);
    }
}

/// Whether writes are refused (stop-writes-on-bgsave-error after a failed save).
pub fn writes_refused(srv: &Shared) -> bool {
    srv.config.stop_writes_on_bgsave_error && !srv.config.save.is_empty() && !srv.persistence.last_bgsave_ok
}

/// Loads `path` into `store` (which should be empty), and the code of the
/// function libraries it holds into `functions`. Keys already expired are
/// dropped. Returns (keys loaded, keys expired).
pub fn load_from(
    store: &mut Store,
    config: &Config,
    path: &Path,
    functions: &mut Vec<Vec<u8>>,
) -> Result<(u64, u64), String> {
    // Loading creates keys without `new` notifications, as in Redis.
    store.record_key_events(false, false);
    let result = load_keys(store, config, path, functions);
    crate::pubsub::record_key_events(store, config.notify_keyspace_events);
    result
}

fn load_keys(
    store: &mut Store,
    config: &Config,
    path: &Path,
    functions: &mut Vec<Vec<u8>>,
) -> Result<(u64, u64), String> {
    let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut reader = Reader::new(io::BufReader::with_capacity(1 << 20, file)).map_err(|e| e.to_string())?;
    let encodings = config.encodings();
    let now = unix_ms();
    let (mut loaded, mut expired) = (0u64, 0u64);
    let mut db = 0usize;
    let lfu = config.maxmemory_policy.contains("lfu");
    loop {
        // Entries borrow the reader's buffers: no allocation per key or
        // element beyond what the store keeps.
        let item = reader.next_item_ref().map_err(|e| e.to_string())?;
        let (key, value, expire_ms, idle, freq) = match &item {
            None | Some(ItemRef::Item(Item::End { .. })) => break,
            Some(ItemRef::Item(Item::SelectDb(n))) => {
                db = usize::try_from(*n).ok().filter(|&n| n < store.databases()).ok_or_else(|| {
                    format!("FATAL: Data file was created with a Redis server configured to handle more than {} databases. Exiting", store.databases())
                })?;
                continue;
            }
            Some(ItemRef::Entry(e)) => (e.key, Ok(e.value), e.expire_ms, e.idle, e.freq),
            // Streams and module values (refused by glue).
            Some(ItemRef::Item(Item::Entry(e))) => (&e.key[..], Err(&e.value), e.expire_ms, e.idle, e.freq),
            Some(ItemRef::Item(Item::Function(code))) => {
                functions.push(code.clone());
                continue;
            }
            Some(ItemRef::Item(_)) => continue,
        };
        let expire = expire_ms.map(|t| t.max(0) as u64);
        if expire.is_some_and(|t| t <= now) {
            expired += 1;
            continue;
        }
        let value = match value {
            // Redis skips empty collections a dump may hold.
            Ok(v) if v.is_empty_collection() => continue,
            Ok(v) => glue::from_rdb_ref(&v, &encodings),
            Err(owned) => glue::from_rdb(owned, &encodings),
        }
        .map_err(|why| format!("key '{}': {why}", String::from_utf8_lossy(key)))?;
        let d = store.db(db);
        d.insert(key, value, expire, now);
        // The dump's access metadata, as Redis applies it: the frequency
        // under an LFU policy, the idle time under any other.
        match (idle, freq) {
            (_, Some(f)) if lfu => {
                d.set_lfu_freq(key, f, now);
            }
            (Some(secs), _) if !lfu => {
                d.set_idle_secs(key, secs, now);
            }
            _ => {}
        }
        loaded += 1;
    }
    Ok((loaded, expired))
}

/// Start-up load of `dir/dbfilename`, if it exists.
pub fn load_at_startup(srv: &mut Shared) -> Result<(), String> {
    let path = dump_path(&srv.config);
    if !path.exists() {
        return Ok(());
    }
    let started = Instant::now();
    let mut functions = Vec::new();
    let (loaded, expired) = load_from(&mut srv.store, &srv.config, &path, &mut functions)?;
    crate::scripting::load_libraries(srv, &functions)?;
    srv.persistence.loaded_keys = loaded;
    srv.persistence.loaded_expired = expired;
    log!(Notice, "Done loading RDB, keys loaded: {loaded}, keys expired: {expired}.");
    log!(Notice, "DB loaded from disk: {:.3} seconds", started.elapsed().as_secs_f64());
    Ok(())
}
