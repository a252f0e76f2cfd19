//! Server commands: INFO, CONFIG, TIME, DEBUG, MONITOR, SLOWLOG, LATENCY,
//! COMMAND, SHUTDOWN.

use std::fmt::Write as _;

use ember_resp::{Command, Protocol};
use ember_store::glob_match;

use crate::client::Out;
use crate::command::{acl, flags, flags::*, int_arg, is, lossy, registry, CommandSpec, Ctx};
use crate::commands::connection::{container, help, REDIS_VERSION};
use crate::config::{find_param, Access, Config, Param, PARAMS};
use crate::error::{CmdError, CmdResult};
use crate::log;
use crate::server::{unix_ms, unix_us, SaveOnExit, Shared, Shutdown};

const NOKEYS: (i32, i32, i32) = (0, 0, 0);
const CONN: u32 = acl::CONNECTION;

/// Server-family commands.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new(
        "info",
        -1,
        LOADING | STALE,
        acl::DANGEROUS,
        NOKEYS,
        "server",
        "1.0.0",
        "Returns information and statistics about the server.",
        info,
    )
    .syntax("[section [section ...]]")
    .complexity("O(1)"),
    CommandSpec::new(
        "config",
        -2,
        0,
        0,
        NOKEYS,
        "server",
        "2.0.0",
        "A container for server configuration commands.",
        container,
    )
    .complexity("Depends on subcommand.")
    .subcommands(CONFIG_SUBCOMMANDS),
    CommandSpec::new("time", 1, LOADING | STALE | FAST, 0, NOKEYS, "server", "2.6.0", "Returns the server time.", time)
        .complexity("O(1)"),
    CommandSpec::new(
        "debug",
        -2,
        ADMIN | NOSCRIPT | LOADING | STALE | SKIP_MONITOR,
        0,
        NOKEYS,
        "server",
        "1.0.0",
        "A container for debugging commands.",
        debug,
    )
    .syntax("subcommand [argument ...]")
    .complexity("Depends on subcommand."),
    CommandSpec::new(
        "monitor",
        1,
        ADMIN | NOSCRIPT | LOADING | STALE,
        0,
        NOKEYS,
        "server",
        "1.0.0",
        "Listens for all requests received by the server in real-time.",
        monitor,
    ),
    CommandSpec::new("slowlog", -2, 0, 0, NOKEYS, "server", "2.2.12", "A container for slow log commands.", container)
        .complexity("Depends on subcommand.")
        .subcommands(SLOWLOG_SUBCOMMANDS),
    CommandSpec::new(
        "command",
        -1,
        LOADING | STALE,
        CONN,
        NOKEYS,
        "server",
        "2.8.13",
        "Returns detailed information about all commands.",
        command_all,
    )
    .complexity("O(N) where N is the total number of Redis commands")
    .subcommands(COMMAND_SUBCOMMANDS),
    CommandSpec::new(
        "save",
        1,
        ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI,
        0,
        NOKEYS,
        "server",
        "1.0.0",
        "Synchronously saves the database(s) to disk.",
        save,
    )
    .complexity("O(N) where N is the total number of keys in all databases"),
    CommandSpec::new(
        "bgsave",
        -1,
        ADMIN | NOSCRIPT | NO_ASYNC_LOADING,
        0,
        NOKEYS,
        "server",
        "1.0.0",
        "Asynchronously saves the database(s) to disk.",
        bgsave,
    )
    .syntax("[SCHEDULE]")
    .complexity("O(1)"),
    CommandSpec::new(
        "lastsave",
        1,
        LOADING | STALE | FAST,
        0,
        NOKEYS,
        "server",
        "1.0.0",
        "Returns the Unix timestamp of the last successful save to disk.",
        lastsave,
    )
    .complexity("O(1)"),
    CommandSpec::new(
        "shutdown",
        -1,
        ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI | ALLOW_BUSY,
        0,
        NOKEYS,
        "server",
        "1.0.0",
        "Synchronously saves the database(s) to disk and shuts down the Redis server.",
        shutdown,
    )
    .syntax("[NOSAVE | SAVE] [NOW] [FORCE] [ABORT]")
    .complexity(
        "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)",
    ),
];

static CONFIG_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new(
        "get",
        -3,
        ADMIN | NOSCRIPT | LOADING | STALE,
        0,
        NOKEYS,
        "server",
        "2.0.0",
        "Returns the effective values of configuration parameters.",
        config_get,
    )
    .sub("config|get")
    .syntax("parameter [parameter ...]")
    .complexity("O(N) when N is the number of configuration parameters provided"),
    CommandSpec::new(
        "set",
        -4,
        ADMIN | NOSCRIPT | LOADING | STALE,
        0,
        NOKEYS,
        "server",
        "2.0.0",
        "Sets configuration parameters in-flight.",
        config_set,
    )
    .sub("config|set")
    .syntax("parameter value [parameter value ...]")
    .complexity("O(N) when N is the number of configuration parameters provided"),
    CommandSpec::new(
        "resetstat",
        2,
        ADMIN | NOSCRIPT | LOADING | STALE,
        0,
        NOKEYS,
        "server",
        "2.0.0",
        "Resets the server's statistics.",
        config_resetstat,
    )
    .sub("config|resetstat")
    .complexity("O(1)"),
    CommandSpec::new(
        "rewrite",
        2,
        ADMIN | NOSCRIPT | LOADING | STALE,
        0,
        NOKEYS,
        "server",
        "2.8.0",
        "Persists the effective configuration to file.",
        config_rewrite,
    )
    .sub("config|rewrite")
    .complexity("O(1)"),
    CommandSpec::new(
        "help",
        2,
        LOADING | STALE,
        0,
        NOKEYS,
        "server",
        "5.0.0",
        "Returns helpful text about the different subcommands.",
        config_help,
    )
    .sub("config|help")
    .complexity("O(1)"),
];

static SLOWLOG_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new(
        "get",
        -2,
        ADMIN | LOADING | STALE,
        0,
        NOKEYS,
        "server",
        "2.2.12",
        "Returns the slow log's entries.",
        slowlog_get,
    )
    .sub("slowlog|get")
    .syntax("[count]")
    .complexity("O(N) where N is the number of entries returned"),
    CommandSpec::new(
        "len",
        2,
        ADMIN | LOADING | STALE,
        0,
        NOKEYS,
        "server",
        "2.2.12",
        "Returns the number of entries in the slow log.",
        slowlog_len,
    )
    .sub("slowlog|len")
    .complexity("O(1)"),
    CommandSpec::new(
        "reset",
        2,
        ADMIN | LOADING | STALE,
        0,
        NOKEYS,
        "server",
        "2.2.12",
        "Clears all entries from the slow log.",
        slowlog_reset,
    )
    .sub("slowlog|reset")
    .complexity("O(N) where N is the number of entries in the slowlog"),
    CommandSpec::new(
        "help",
        2,
        LOADING | STALE,
        0,
        NOKEYS,
        "server",
        "6.2.0",
        "Show helpful text about the different subcommands",
        slowlog_help,
    )
    .sub("slowlog|help")
    .complexity("O(1)"),
];

static COMMAND_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new(
        "count",
        2,
        LOADING | STALE,
        CONN,
        NOKEYS,
        "server",
        "2.8.13",
        "Returns a count of commands.",
        command_count,
    )
    .sub("command|count")
    .complexity("O(1)"),
    CommandSpec::new(
        "info",
        -2,
        LOADING | STALE,
        CONN,
        NOKEYS,
        "server",
        "2.8.13",
        "Returns information about one, multiple or all commands.",
        command_info,
    )
    .sub("command|info")
    .syntax("[command-name [command-name ...]]")
    .complexity("O(N) where N is the number of commands to look up"),
    CommandSpec::new(
        "docs",
        -2,
        LOADING | STALE,
        CONN,
        NOKEYS,
        "server",
        "7.0.0",
        "Returns documentary information about one, multiple or all commands.",
        command_docs,
    )
    .sub("command|docs")
    .syntax("[command-name [command-name ...]]")
    .complexity("O(N) where N is the number of commands to look up"),
    CommandSpec::new(
        "list",
        -2,
        LOADING | STALE,
        CONN,
        NOKEYS,
        "server",
        "7.0.0",
        "Returns a list of command names.",
        command_list,
    )
    .sub("command|list")
    .syntax("[FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]")
    .complexity("O(N) where N is the total number of Redis commands"),
    CommandSpec::new(
        "getkeys",
        -4,
        LOADING | STALE,
        CONN,
        NOKEYS,
        "server",
        "2.8.13",
        "Extracts the key names from an arbitrary command.",
        command_getkeys,
    )
    .sub("command|getkeys")
    .syntax("command [arg [arg ...]]")
    .complexity("O(N) where N is the number of arguments to the command"),
    CommandSpec::new(
        "help",
        2,
        LOADING | STALE,
        CONN,
        NOKEYS,
        "server",
        "5.0.0",
        "Returns helpful text about the different subcommands.",
        command_help,
    )
    .sub("command|help")
    .complexity("O(1)"),
];

// ---- INFO -----------------------------------------------------------------

/// Sections INFO prints with no argument (and with `default`).
const DEFAULT_SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "module_list",
    "errorstats",
    "cluster",
    "keyspace",
];

/// Sections added by `all` / `everything`.
const EXTRA_SECTIONS: &[&str] = &["commandstats", "latencystats"];

fn human_bytes(n: u64) -> String {
    let n = n as f64;
    if n < 1024.0 {
        format!("{n}B")
    } else if n < 1024.0 * 1024.0 {
        format!("{:.2}K", n / 1024.0)
    } else if n < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2}M", n / (1024.0 * 1024.0))
    } else {
        format!("{:.2}G", n / (1024.0 * 1024.0 * 1024.0))
    }
}

/// Bytes the allocator has handed out (see [`crate::alloc::used_memory`]).
pub fn used_memory() -> u64 {
    crate::alloc::used_memory()
}

/// Resident set size from /proc/self/statm.
pub fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()))
        .map_or(0, |pages| pages * 4096)
}

fn total_system_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse::<u64>().ok()))
        })
        .map_or(0, |kb| kb * 1024)
}

fn instantaneous(srv: &Shared, pick: fn(&(u64, u64, u64, u64)) -> u64) -> f64 {
    let s = &srv.stats.samples;
    if s.len() < 2 {
        return 0.0;
    }
    let (first, last) = (&s[0], &s[s.len() - 1]);
    let dt = last.0.saturating_sub(first.0) as f64 / 1000.0;
    if dt <= 0.0 {
        return 0.0;
    }
    pick(last).saturating_sub(pick(first)) as f64 / dt
}

fn rusage(who: nix::sys::resource::UsageWho) -> (f64, f64) {
    match nix::sys::resource::getrusage(who) {
        Ok(u) => {
            let t = |tv: nix::sys::time::TimeVal| tv.tv_sec() as f64 + tv.tv_usec() as f64 / 1e6;
            (t(u.system_time()), t(u.user_time()))
        }
        Err(_) => (0.0, 0.0),
    }
}

fn kv(s: &mut String, k: &str, v: &dyn std::fmt::Display) {
    let _ = write!(s, "{k}:{v}\r\n");
}

/// Renders one INFO section into `s` (with its `# Title` header).
pub fn info_section(srv: &Shared, name: &str, s: &mut String) -> bool {
    let now = unix_ms();
    match name {
        "server" => {
            let uptime = srv.started.elapsed().as_secs();
            let uname = nix::sys::utsname::uname().ok();
            let os = uname
                .map(|u| {
                    format!(
                        "{} {} {}",
                        u.sysname().to_string_lossy(),
                        u.release().to_string_lossy(),
                        u.machine().to_string_lossy()
                    )
                })
                .unwrap_or_default();
            let _ = write!(s, "# Server\r\n");
            kv(s, "redis_version", &REDIS_VERSION);
            kv(s, "redis_git_sha1", &"00000000");
            kv(s, "redis_git_dirty", &0);
            kv(s, "redis_build_id", &"0");
            kv(s, "redis_mode", &"standalone");
            kv(s, "os", &os);
            kv(s, "arch_bits", &64);
            kv(s, "monotonic_clock", &"POSIX clock_gettime");
            kv(s, "multiplexing_api", &"epoll");
            kv(s, "atomicvar_api", &"c11-builtin");
            kv(s, "gcc_version", &"0.0.0");
            kv(s, "process_id", &std::process::id());
            kv(s, "process_supervised", &"no");
            kv(s, "run_id", &srv.run_id);
            kv(s, "tcp_port", &srv.config.port);
            kv(s, "server_time_usec", &unix_us());
            kv(s, "uptime_in_seconds", &uptime);
            kv(s, "uptime_in_days", &(uptime / 86_400));
            kv(s, "hz", &srv.config.hz);
            kv(s, "configured_hz", &srv.config.hz);
            kv(s, "lru_clock", &((now / 1000) & 0xff_ffff));
            kv(s, "executable", &std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_default());
            kv(s, "config_file", &srv.config.config_file.as_ref().map(|p| p.display().to_string()).unwrap_or_default());
            kv(s, "io_threads_active", &0);
            kv(s, "ember_version", &env!("CARGO_PKG_VERSION"));
            return true;
        }
        "clients" => {
            let _ = write!(s, "# Clients\r\n");
            let max_in = srv.clients.iter().map(|c| c.input.rbuf.len()).max().unwrap_or(0);
            let max_out = srv.clients.iter().map(|c| c.client.out.buf.len()).max().unwrap_or(0);
            kv(s, "connected_clients", &srv.clients.len());
            kv(s, "cluster_connections", &0);
            kv(s, "maxclients", &srv.config.maxclients);
            kv(s, "client_recent_max_input_buffer", &max_in);
            kv(s, "client_recent_max_output_buffer", &max_out);
            kv(s, "blocked_clients", &srv.events.blocked_clients());
            kv(s, "tracking_clients", &0);
            kv(s, "clients_in_timeout_table", &0);
            return true;
        }
        "memory" => {
            let used = used_memory();
            let peak = srv.mem_peak.max(used);
            let rss = rss_bytes();
            let sys = total_system_memory();
            let _ = write!(s, "# Memory\r\n");
            let tables: usize = srv.store.iter().map(|d| d.overhead_bytes()).sum();
            let overhead = (srv.mem_startup + tables as u64).min(used);
            let dataset = used - overhead;
            let net = used.saturating_sub(srv.mem_startup);
            kv(s, "used_memory", &used);
            kv(s, "used_memory_human", &human_bytes(used));
            kv(s, "used_memory_rss", &rss);
            kv(s, "used_memory_rss_human", &human_bytes(rss));
            kv(s, "used_memory_peak", &peak);
            kv(s, "used_memory_peak_human", &human_bytes(peak));
            kv(s, "used_memory_peak_perc", &format!("{:.2}%", used as f64 * 100.0 / peak.max(1) as f64));
            kv(s, "used_memory_overhead", &overhead);
            kv(s, "used_memory_startup", &srv.mem_startup);
            kv(s, "used_memory_dataset", &dataset);
            let perc = if net > 0 { dataset as f64 * 100.0 / net as f64 } else { 0.0 };
            kv(s, "used_memory_dataset_perc", &format!("{perc:.2}%"));
            kv(s, "allocator_allocated", &used);
            kv(s, "allocator_active", &used);
            kv(s, "allocator_resident", &rss);
            kv(s, "total_system_memory", &sys);
            kv(s, "total_system_memory_human", &human_bytes(sys));
            let lua = srv.scripting.as_ref().map_or(0, |e| e.used_memory());
            kv(s, "used_memory_lua", &lua);
            kv(s, "used_memory_scripts", &srv.scripting.as_ref().map_or(0, |e| e.scripts_memory()));
            kv(s, "maxmemory", &srv.config.maxmemory);
            kv(s, "maxmemory_human", &human_bytes(srv.config.maxmemory));
            kv(s, "maxmemory_policy", &srv.config.maxmemory_policy);
            let frag = if used > 0 { rss as f64 / used as f64 } else { 1.0 };
            kv(s, "mem_fragmentation_ratio", &format!("{frag:.2}"));
            kv(s, "mem_fragmentation_bytes", &(rss as i64 - used as i64));
            kv(s, "mem_not_counted_for_evict", &0);
            kv(s, "mem_replication_backlog", &0);
            kv(s, "mem_clients_slaves", &0);
            kv(s, "mem_clients_normal", &0);
            kv(s, "mem_aof_buffer", &0);
            kv(s, "mem_allocator", &"libc");
            kv(s, "active_defrag_running", &0);
            kv(s, "lazyfree_pending_objects", &srv.lazyfree.pending());
            kv(s, "lazyfreed_objects", &srv.lazyfree.freed());
            return true;
        }
        "persistence" => {
            let p = &srv.persistence;
            let _ = write!(s, "# Persistence\r\n");
            kv(s, "loading", &0);
            kv(s, "async_loading", &0);
            kv(s, "current_cow_peak", &0);
            kv(s, "current_cow_size", &0);
            kv(s, "current_cow_size_age", &0);
            kv(s, "current_fork_perc", &"0.00");
            kv(s, "current_save_keys_processed", &0);
            kv(s, "current_save_keys_total", &0);
            kv(s, "rdb_changes_since_last_save", &srv.dirty);
            kv(s, "rdb_bgsave_in_progress", &i32::from(p.child.is_some()));
            kv(s, "rdb_last_save_time", &p.last_save);
            kv(s, "rdb_last_bgsave_status", &if p.last_bgsave_ok { "ok" } else { "err" });
            kv(s, "rdb_last_bgsave_time_sec", &p.last_bgsave_secs);
            kv(
                s,
                "rdb_current_bgsave_time_sec",
                &p.child.as_ref().map_or(-1, |c| c.started.elapsed().as_secs() as i64),
            );
            kv(s, "rdb_saves", &p.saves);
            kv(s, "rdb_last_cow_size", &0);
            kv(s, "rdb_last_load_keys_expired", &p.loaded_expired);
            kv(s, "rdb_last_load_keys_loaded", &p.loaded_keys);
            kv(s, "aof_enabled", &0);
            kv(s, "aof_rewrite_in_progress", &0);
            kv(s, "aof_rewrite_scheduled", &0);
            kv(s, "aof_last_rewrite_time_sec", &-1);
            kv(s, "aof_current_rewrite_time_sec", &-1);
            kv(s, "aof_last_bgrewrite_status", &"ok");
            kv(s, "aof_rewrites", &0);
            kv(s, "aof_rewrites_consecutive_failures", &0);
            kv(s, "aof_last_write_status", &"ok");
            kv(s, "aof_last_cow_size", &0);
            kv(s, "module_fork_in_progress", &0);
            kv(s, "module_fork_last_cow_size", &0);
            return true;
        }
        "stats" => {
            let st = &srv.stats;
            let ops = instantaneous(srv, |x| x.1);
            let inkb = instantaneous(srv, |x| x.2) / 1024.0;
            let outkb = instantaneous(srv, |x| x.3) / 1024.0;
            let _ = write!(s, "# Stats\r\n");
            kv(s, "total_connections_received", &st.total_connections_received);
            kv(s, "total_commands_processed", &st.total_commands_processed);
            kv(s, "instantaneous_ops_per_sec", &(ops as u64));
            kv(s, "total_net_input_bytes", &st.net_input_bytes);
            kv(s, "total_net_output_bytes", &st.net_output_bytes);
            kv(s, "total_net_repl_input_bytes", &0);
            kv(s, "total_net_repl_output_bytes", &0);
            kv(s, "instantaneous_input_kbps", &format!("{inkb:.2}"));
            kv(s, "instantaneous_output_kbps", &format!("{outkb:.2}"));
            kv(s, "instantaneous_input_repl_kbps", &"0.00");
            kv(s, "instantaneous_output_repl_kbps", &"0.00");
            kv(s, "rejected_connections", &st.rejected_connections);
            kv(s, "sync_full", &0);
            kv(s, "sync_partial_ok", &0);
            kv(s, "sync_partial_err", &0);
            kv(s, "expired_keys", &st.expired_keys);
            kv(s, "expired_stale_perc", &"0.00");
            kv(s, "expired_time_cap_reached_count", &0);
            kv(s, "expire_cycle_cpu_milliseconds", &0);
            kv(s, "evicted_keys", &st.evicted_keys);
            kv(s, "evicted_clients", &0);
            kv(s, "total_eviction_exceeded_time", &srv.evict.total_exceeded_ms());
            kv(s, "current_eviction_exceeded_time", &srv.evict.current_exceeded_ms());
            kv(s, "keyspace_hits", &st.keyspace_hits);
            kv(s, "keyspace_misses", &st.keyspace_misses);
            kv(s, "pubsub_channels", &srv.pubsub.channels.len());
            kv(s, "pubsub_patterns", &srv.pubsub.patterns.len());
            kv(s, "pubsubshard_channels", &srv.pubsub.shard.len());
            kv(s, "latest_fork_usec", &srv.persistence.last_fork_usec);
            kv(s, "total_forks", &srv.persistence.forks);
            kv(s, "migrate_cached_sockets", &0);
            kv(s, "slave_expires_tracked_keys", &0);
            kv(s, "active_defrag_hits", &0);
            kv(s, "active_defrag_misses", &0);
            kv(s, "active_defrag_key_hits", &0);
            kv(s, "active_defrag_key_misses", &0);
            kv(s, "total_active_defrag_time", &0);
            kv(s, "current_active_defrag_time", &0);
            kv(s, "tracking_total_keys", &0);
            kv(s, "tracking_total_items", &0);
            kv(s, "tracking_total_prefixes", &0);
            kv(s, "unexpected_error_replies", &st.unexpected_error_replies);
            kv(s, "total_error_replies", &st.total_error_replies);
            kv(s, "dump_payload_sanitizations", &0);
            kv(s, "total_reads_processed", &st.total_commands_processed);
            kv(s, "total_writes_processed", &st.total_commands_processed);
            kv(s, "io_threaded_reads_processed", &0);
            kv(s, "io_threaded_writes_processed", &0);
            kv(s, "client_query_buffer_limit_disconnections", &st.client_qbuf_limit_disconnections);
            kv(s, "client_output_buffer_limit_disconnections", &st.client_output_buffer_limit_disconnections);
            return true;
        }
        "replication" => {
            let _ = write!(s, "# Replication\r\n");
            kv(s, "role", &"master");
            kv(s, "connected_slaves", &0);
            kv(s, "master_failover_state", &"no-failover");
            kv(s, "master_replid", &srv.run_id);
            kv(s, "master_replid2", &"0000000000000000000000000000000000000000");
            kv(s, "master_repl_offset", &0);
            kv(s, "second_repl_offset", &-1);
            kv(s, "repl_backlog_active", &0);
            kv(s, "repl_backlog_size", &1_048_576);
            kv(s, "repl_backlog_first_byte_offset", &0);
            kv(s, "repl_backlog_histlen", &0);
            return true;
        }
        "cpu" => {
            use nix::sys::resource::UsageWho;
            let (sys, user) = rusage(UsageWho::RUSAGE_SELF);
            let (csys, cuser) = rusage(UsageWho::RUSAGE_CHILDREN);
            let (tsys, tuser) = rusage(UsageWho::RUSAGE_THREAD);
            let _ = write!(s, "# CPU\r\n");
            kv(s, "used_cpu_sys", &format!("{sys:.6}"));
            kv(s, "used_cpu_user", &format!("{user:.6}"));
            kv(s, "used_cpu_sys_children", &format!("{csys:.6}"));
            kv(s, "used_cpu_user_children", &format!("{cuser:.6}"));
            kv(s, "used_cpu_sys_main_thread", &format!("{tsys:.6}"));
            kv(s, "used_cpu_user_main_thread", &format!("{tuser:.6}"));
            return true;
        }
        "module_list" | "modules" => {
            let _ = write!(s, "# Modules\r\n");
            return true;
        }
        "errorstats" => {
            let _ = write!(s, "# Errorstats\r\n");
            for (code, n) in &srv.error_stats {
                let _ = write!(s, "errorstat_{code}:count={n}\r\n");
            }
            return true;
        }
        "cluster" => {
            let _ = write!(s, "# Cluster\r\n");
            kv(s, "cluster_enabled", &0);
            return true;
        }
        "keyspace" => {
            let _ = write!(s, "# Keyspace\r\n");
            for (i, db) in srv.store.iter().enumerate() {
                if !db.is_empty() {
                    let _ = write!(
                        s,
                        "db{i}:keys={},expires={},avg_ttl={}\r\n",
                        db.len(),
                        db.expires_len(),
                        db.avg_ttl(now)
                    );
                }
            }
            return true;
        }
        "commandstats" => {
            let _ = write!(s, "# Commandstats\r\n");
            let reg = registry();
            for (i, st) in srv.cmd_stats.iter().enumerate() {
                if st.calls == 0 && st.rejected_calls == 0 && st.failed_calls == 0 {
                    continue;
                }
                let per = if st.calls > 0 { st.usec as f64 / st.calls as f64 } else { 0.0 };
                let _ = write!(
                    s,
                    "cmdstat_{}:calls={},usec={},usec_per_call={per:.2},rejected_calls={},failed_calls={}\r\n",
                    reg.specs[i].fullname, st.calls, st.usec, st.rejected_calls, st.failed_calls
                );
            }
            return true;
        }
        "latencystats" => {
            let _ = write!(s, "# Latencystats\r\n");
            let percentiles = crate::config::find_param(b"latency-tracking-info-percentiles")
                .map(|p| p.get(&srv.config))
                .unwrap_or_default();
            let reg = registry();
            for (i, st) in srv.cmd_stats.iter().enumerate() {
                if st.latency.total() == 0 {
                    continue;
                }
                let _ = write!(s, "latency_percentiles_usec_{}:", reg.specs[i].fullname);
                for (n, p) in percentiles.split_whitespace().enumerate() {
                    let value = st.latency.value_at_percentile(p.parse().unwrap_or(0.0)) as f64 / 1000.0;
                    let _ = write!(s, "{}p{p}={value:.3}", if n > 0 { "," } else { "" });
                }
                s.push_str("\r\n");
            }
            return true;
        }
        _ => {}
    }
    false
}

fn info(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let mut wanted: Vec<String> = Vec::new();
    let add = |name: &str, wanted: &mut Vec<String>| {
        if !wanted.iter().any(|w| w == name) {
            wanted.push(name.to_string());
        }
    };
    if cmd.len() == 1 {
        for s in DEFAULT_SECTIONS {
            add(s, &mut wanted);
        }
    }
    for arg in cmd.iter().skip(1) {
        let name = lossy(arg).to_ascii_lowercase();
        match name.as_str() {
            "default" => DEFAULT_SECTIONS.iter().for_each(|s| add(s, &mut wanted)),
            "all" | "everything" => {
                DEFAULT_SECTIONS.iter().chain(EXTRA_SECTIONS).for_each(|s| add(s, &mut wanted));
            }
            other => add(other, &mut wanted),
        }
    }
    let mut text = String::new();
    for name in &wanted {
        let mut section = String::new();
        if info_section(ctx.srv, name, &mut section) {
            if !text.is_empty() {
                text.push_str("\r\n");
            }
            text.push_str(&section);
        }
    }
    ctx.out().verbatim(text.as_bytes());
    Ok(())
}

// ---- CONFIG ---------------------------------------------------------------

fn config_get(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut push = |name: String, value: String| {
        if !pairs.iter().any(|(n, _)| n.eq_ignore_ascii_case(&name)) {
            pairs.push((name, value));
        }
    };
    for pattern in cmd.iter().skip(2) {
        let literal = !pattern.iter().any(|b| matches!(b, b'*' | b'?' | b'['));
        if literal {
            // An exact name (or alias) is echoed as the client wrote it;
            // hidden parameters are found only this way.
            if let Some(p) = find_param(pattern) {
                push(lossy(pattern), p.get(&ctx.srv.config));
            }
            continue;
        }
        for p in PARAMS.iter().filter(|p| !p.hidden()) {
            if glob_match(pattern, p.name.as_bytes(), true) {
                push(p.name.to_string(), p.get(&ctx.srv.config));
            }
            if let Some(alias) = p.alias.filter(|a| glob_match(pattern, a.as_bytes(), true)) {
                push(alias.to_string(), p.get(&ctx.srv.config));
            }
        }
    }
    let out = ctx.out();
    out.map(pairs.len());
    for (name, value) in &pairs {
        out.bulk(name.as_bytes());
        out.bulk(value.as_bytes());
    }
    Ok(())
}

/// `CONFIG SET failed (possibly related to argument '<name>') - <why>`.
fn config_set_failed(name: &str, why: &str) -> CmdError {
    CmdError::err(format!("CONFIG SET failed (possibly related to argument '{name}') - {why}"))
}

/// CONFIG SET, all or nothing, in the order Redis checks: first every name
/// (unknown, immutable, protected, given twice), then every value is parsed
/// into a copy of the configuration (where a value that needs a feature
/// ember lacks is refused too); [`apply_config`] puts the changes that reach
/// beyond `Config` into effect (and may refuse them); only then does the copy
/// become the live configuration.
fn config_set(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    if cmd.len() % 2 != 0 {
        return Err(CmdError::Syntax);
    }
    let protected_allowed = match ctx.srv.config.enable_protected_configs {
        Access::Yes => true,
        Access::Local => ctx.client.addr.is_local(),
        Access::No => false,
    };
    // (parameter, whether it was named by its alias), in argument order.
    let mut named: Vec<(&'static Param, bool)> = Vec::new();
    for i in (2..cmd.len()).step_by(2) {
        let name = cmd.arg(i);
        let Some(param) = find_param(name) else {
            return Err(CmdError::err(format!(
                "Unknown option or number of arguments for CONFIG SET - '{}'",
                lossy(name)
            )));
        };
        // Like Redis: these refusals echo the name as given. A name and its
        // alias are different entries (both may be given; the last wins).
        let by_alias = !param.name.as_bytes().eq_ignore_ascii_case(name);
        if !param.mutable() {
            return Err(config_set_failed(&lossy(name), "can't set immutable config"));
        }
        if param.protected() && !protected_allowed {
            return Err(config_set_failed(&lossy(name), "can't set protected config"));
        }
        if named.iter().any(|(p, a)| std::ptr::eq(*p, param) && *a == by_alias) {
            return Err(config_set_failed(&lossy(name), "duplicate parameter"));
        }
        named.push((param, by_alias));
    }
    let mut next = ctx.srv.config.clone();
    // (canonical name, name as given, lowercased): value errors (here and
    // in apply_config) print the name lowercased, as Redis does.
    let mut given: Vec<(&'static str, String)> = Vec::new();
    let cwd = std::env::current_dir().ok();
    let mut result = Ok(());
    for (i, (param, _)) in (2..cmd.len()).step_by(2).zip(&named) {
        let shown = lossy(cmd.arg(i)).to_ascii_lowercase();
        if let Err(e) = param.set(&mut next, &[cmd.arg(i + 1)]) {
            result = Err(config_set_failed(&shown, &e.0));
            break;
        }
        given.push((param.name, shown));
    }
    if result.is_ok() {
        result = apply_config(ctx.srv, &mut next, &given);
    }
    if let Err(e) = result {
        // `dir` changes the working directory as it is parsed: undo that.
        if let Some(cwd) = cwd.filter(|_| given.iter().any(|(p, _)| *p == "dir")) {
            let _ = std::env::set_current_dir(cwd);
        }
        return Err(e);
    }
    ctx.srv.config = next;
    ctx.srv.obuf_check_at = crate::pubsub::output_check_threshold(&ctx.srv.config.client_output_buffer_limit);
    crate::evict::config_changed(ctx.srv, &given, ctx.now_ms);
    let flags = ctx.srv.config.notify_keyspace_events;
    ctx.srv.notify_mask = crate::pubsub::notify_mask(flags);
    crate::pubsub::record_key_events(&mut ctx.srv.store, flags);
    ctx.out().ok();
    Ok(())
}

/// The one place a CONFIG SET takes effect outside `Config` (everything else
/// reads `srv.config` when it needs it). It runs before `next` is stored;
/// steps that can fail come first, and a failure leaves the server as it was.
///
/// - `port` / `bind`: the listening sockets are re-bound right here, inside
///   the command, so the reply says whether it worked (see
///   [`crate::listen::Listeners::rebind`]: new sockets open before old ones
///   close; connections already accepted are untouched). Nothing is
///   re-opened when neither value changes. A failure names, as Redis does,
///   whichever of the two comes first in the command, counting `bind`
///   whenever it is given (Redis re-binds for it even to the same list) and
///   `port` only when it changes.
/// - `loglevel`: the logger's level.
/// - `repl-backlog-size`: Redis resizes its backlog, never below 16 KiB,
///   and the value reads back raised to that.
fn apply_config(srv: &mut Shared, next: &mut Config, given: &[(&'static str, String)]) -> CmdResult {
    let port_changed = next.port != srv.config.port;
    let rebinds = |p: &str| (p == "port" && port_changed) || p == "bind";
    if let Some((param, shown)) = given.iter().find(|(p, _)| rebinds(p)) {
        let unchanged = !port_changed && next.bind == srv.config.bind;
        if !unchanged {
            if let Err(e) = srv.listeners.rebind(&next.bind, next.port, next.tcp_backlog) {
                log!(Warning, "CONFIG SET {shown}: could not listen ({e}); the previous sockets stay open");
                let why = if *param == "port" {
                    "Unable to listen on this port. Check server logs."
                } else {
                    "Failed to bind to specified addresses."
                };
                return Err(config_set_failed(shown, why));
            }
            for addr in srv.listeners.addrs() {
                log!(Notice, "Listening on {addr}");
            }
        }
    }
    if next.loglevel != srv.config.loglevel {
        crate::log::set_level(next.loglevel);
    }
    if let Some((_, shown)) = given.iter().find(|(p, _)| p.starts_with("oom-score-adj")) {
        if let Err(e) = crate::process::apply_oom_score(next, crate::process::OomClass::Server) {
            log!(Warning, "Unable to write oom_score_adj: {e}");
            return Err(config_set_failed(shown, "Failed to set current oom_score_adj. Check server logs."));
        }
    }
    if given.iter().any(|(p, _)| *p == "repl-backlog-size") {
        let size: u64 = next.value("repl-backlog-size").and_then(|v| v.parse().ok()).unwrap_or(0);
        next.set_text("repl-backlog-size", size.max(16 * 1024).to_string());
    }
    Ok(())
}

fn config_resetstat(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    let srv = &mut *ctx.srv;
    srv.stats = Default::default();
    srv.evict.reset_stats();
    srv.cmd_stats.iter_mut().for_each(|s| *s = Default::default());
    srv.error_stats.clear();
    srv.slowlog.reset();
    ctx.out().ok();
    Ok(())
}

fn config_rewrite(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    let Some(path) = ctx.srv.config.config_file.clone() else {
        return Err(CmdError::err("The server is running without a config file"));
    };
    let text = ctx.srv.config.render();
    let tmp = path.with_extension("ember-rewrite.tmp");
    std::fs::write(&tmp, text)
        .and_then(|_| std::fs::rename(&tmp, &path))
        .map_err(|e| CmdError::err(format!("Rewriting config file: {e}")))?;
    ctx.out().ok();
    Ok(())
}

fn config_help(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    help(
        ctx,
        "CONFIG",
        &[
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
        ],
    );
    Ok(())
}

// ---- TIME, MONITOR, SHUTDOWN ---------------------------------------------

fn time(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    let us = unix_us();
    let out = ctx.out();
    out.array(2);
    out.bulk((us / 1_000_000).to_string().as_bytes());
    out.bulk((us % 1_000_000).to_string().as_bytes());
    Ok(())
}

fn monitor(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    if !ctx.client.monitor {
        ctx.client.monitor = true;
        ctx.srv.monitors.push(ctx.client.id);
    }
    ctx.out().ok();
    Ok(())
}

fn shutdown(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let (mut nosave, mut save, mut force) = (false, false, false);
    for opt in cmd.iter().skip(1) {
        if is(opt, "NOSAVE") {
            nosave = true;
        } else if is(opt, "SAVE") {
            save = true;
        } else if is(opt, "NOW") {
        } else if is(opt, "FORCE") {
            force = true;
        } else if is(opt, "ABORT") {
            return Err(CmdError::err("No shutdown in progress."));
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if nosave && save {
        return Err(CmdError::Syntax);
    }
    // Save here, so that a failure can be reported to this client.
    if save || (!nosave && !ctx.srv.config.save.is_empty()) {
        if let Some(child) = ctx.srv.persistence.child.take() {
            let _ = nix::sys::signal::kill(child.pid, nix::sys::signal::Signal::SIGUSR1);
            let _ = nix::sys::wait::waitpid(child.pid, None);
        }
        if crate::persistence::save(ctx.srv).is_err() && !force {
            return Err(CmdError::err("Errors trying to SHUTDOWN. Check logs."));
        }
    }
    ctx.srv.shutdown = Some(Shutdown { save: SaveOnExit::Never, force: false });
    // Redis closes the connection without a reply on success.
    ctx.client.close_after_reply = true;
    Ok(())
}

fn save(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    crate::persistence::save(ctx.srv).map_err(|e| CmdError::Other(e.into()))?;
    ctx.out().ok();
    Ok(())
}

fn bgsave(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let schedule = match cmd.get(1) {
        None => false,
        Some(a) if is(a, "SCHEDULE") && cmd.len() == 2 => true,
        Some(_) => return Err(CmdError::Syntax),
    };
    if ctx.srv.persistence.child.is_some() {
        if schedule {
            ctx.srv.persistence.scheduled = true;
            ctx.out().simple("Background saving scheduled");
            return Ok(());
        }
        return Err(CmdError::err("Background save already in progress"));
    }
    crate::persistence::bgsave(ctx.srv).map_err(|e| CmdError::Other(e.into()))?;
    ctx.out().simple("Background saving started");
    Ok(())
}

fn lastsave(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    let t = ctx.srv.persistence.last_save as i64;
    ctx.out().int(t);
    Ok(())
}

// ---- DEBUG ----------------------------------------------------------------

fn debug(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let allowed = match ctx.srv.config.enable_debug_command {
        Access::Yes => true,
        Access::Local => ctx.client.addr.is_local(),
        Access::No => false,
    };
    if !allowed {
        return Err(CmdError::err(
            "DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.",
        ));
    }
    let sub = cmd.arg(1);
    let now = ctx.now_ms;
    if is(sub, "sleep") && cmd.len() == 3 {
        let secs = crate::command::parse_f64(cmd.arg(2)).ok_or(CmdError::NotFloat)?;
        std::thread::sleep(std::time::Duration::from_secs_f64(secs.max(0.0)));
        ctx.out().ok();
    } else if is(sub, "object") && cmd.len() == 3 {
        let db = ctx.srv.store.db(ctx.client.db);
        let Some(e) = db.peek(cmd.arg(2), now) else { return Err(CmdError::NoSuchKey) };
        let v = e.value();
        let enc = v.encoding_name();
        let shared_int = v.as_str().and_then(|s| s.as_int()).is_some_and(|n| (0..10_000).contains(&n));
        let refcount = if shared_int { i64::from(i32::MAX) } else { 1 };
        let idle = db.idle_ms(cmd.arg(2), now).unwrap_or(0) / 1000;
        let line = format!(
            "Value at:0x0 refcount:{refcount} encoding:{enc} serializedlength:{} lru:{} lru_seconds_idle:{idle}",
            serialized_len(v),
            (now / 1000) & 0xff_ffff
        );
        ctx.out().simple(&line);
    } else if is(sub, "reload") {
        // Save, flush, load back: what a restart would do.
        crate::persistence::save(ctx.srv).map_err(|_| CmdError::err("Error trying to save the DB"))?;
        let old = ctx.srv.store.flush_all();
        ctx.srv.lazyfree.free(old);
        let path = crate::persistence::dump_path(&ctx.srv.config);
        let mut functions = Vec::new();
        crate::persistence::load_from(&mut ctx.srv.store, &ctx.srv.config, &path, &mut functions)
            .map_err(|e| CmdError::err(format!("Error trying to load the RDB dump: {e}")))?;
        if let Some(e) = ctx.srv.scripting.as_mut() {
            e.flush_functions();
        }
        crate::scripting::load_libraries(ctx.srv, &functions)
            .map_err(|e| CmdError::err(format!("Error trying to load the RDB dump: {e}")))?;
        ctx.out().ok();
    } else if is(sub, "set-active-expire") && cmd.len() == 3 {
        ctx.srv.active_expire_enabled = int_arg(cmd.arg(2))? != 0;
        ctx.out().ok();
    } else if is(sub, "protocol") && cmd.len() == 3 {
        debug_protocol(ctx.out(), cmd.arg(2))?;
    } else if is(sub, "help") {
        help(
            ctx,
            "DEBUG",
            &[
                "SLEEP <seconds>",
                "    Stop the server for <seconds>. Decimals allowed.",
                "OBJECT <key>",
                "    Show low level info about the <key> and associated value.",
                "PROTOCOL <type>",
                "    Reply with a test value of the specified type: string, integer, double, bignum, null, array, set, map, attrib, push, verbatim, true, false.",
                "RELOAD",
                "    Save the RDB on disk and reload it back to memory.",
                "SET-ACTIVE-EXPIRE <0|1>",
                "    Setting it to 0 disables expiring keys in background when they are not",
                "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
                "    default.",
            ],
        );
    } else {
        return Err(CmdError::err(format!(
            "unknown subcommand or wrong number of arguments for '{}'. Try DEBUG HELP.",
            lossy(sub)
        )));
    }
    Ok(())
}

/// Bytes the value takes in an RDB file (DEBUG OBJECT serializedlength),
/// for uncompressed strings: the length header plus the payload, or the
/// integer encoding.
fn serialized_len(v: &ember_store::Value) -> usize {
    let Some(s) = v.as_str() else { return 1 };
    if let Some(n) = s.as_int() {
        return match n {
            -128..=127 => 2,
            -32768..=32767 => 3,
            -2147483648..=2147483647 => 5,
            _ => 1 + n.to_string().len(),
        };
    }
    let len = s.len();
    let header = match len {
        0..=63 => 1,
        64..=16383 => 2,
        16384..=0xffff_ffff => 5,
        _ => 9,
    };
    header + len
}

fn debug_protocol(out: &mut Out, kind: &[u8]) -> CmdResult {
    if is(kind, "string") {
        out.bulk(b"Hello World");
    } else if is(kind, "integer") {
        out.int(12345);
    } else if is(kind, "double") {
        // The value Redis's DEBUG PROTOCOL double sends.
        #[allow(clippy::approx_constant)]
        out.double(3.141);
    } else if is(kind, "bignum") {
        ember_resp::encode::big_number(&mut out.buf, b"1234567999999999999999999999999999999", out.proto);
    } else if is(kind, "null") {
        out.null();
    } else if is(kind, "array") {
        out.array(3);
        (0..3).for_each(|i| out.int(i));
    } else if is(kind, "set") {
        out.set(3);
        (0..3).for_each(|i| out.int(i));
    } else if is(kind, "map") {
        out.map(3);
        for i in 0..3 {
            out.int(i);
            out.boolean(i == 1);
        }
    } else if is(kind, "true") {
        out.boolean(true);
    } else if is(kind, "false") {
        out.boolean(false);
    } else if is(kind, "verbatim") {
        out.verbatim(b"This is a verbatim\nstring");
    } else {
        return Err(CmdError::err(
            "Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false",
        ));
    }
    Ok(())
}

// ---- SLOWLOG, LATENCY -------------------------------------------------------

fn slowlog_get(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let count = match cmd.get(2) {
        None => 10,
        Some(a) => {
            let n = crate::command::parse_i64(a)
                .filter(|&n| n >= -1)
                .ok_or_else(|| CmdError::err("count should be greater than or equal to -1"))?;
            if n < -1 {
                return Err(CmdError::err("count should be greater than or equal to -1"));
            }
            if n == -1 {
                usize::MAX
            } else {
                n as usize
            }
        }
    };
    let srv = &*ctx.srv;
    let out = &mut ctx.client.out;
    let n = count.min(srv.slowlog.entries.len());
    out.array(n);
    for e in srv.slowlog.entries.iter().take(n) {
        out.array(6);
        out.int(e.id as i64);
        out.int(e.time as i64);
        out.int(e.usec as i64);
        out.array(e.args.len());
        for a in &e.args {
            out.bulk(a);
        }
        out.bulk(e.addr.as_bytes());
        out.bulk(&e.name);
    }
    Ok(())
}

fn slowlog_len(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    let n = ctx.srv.slowlog.entries.len();
    ctx.out().int(n as i64);
    Ok(())
}

fn slowlog_reset(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    ctx.srv.slowlog.reset();
    ctx.out().ok();
    Ok(())
}

fn slowlog_help(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    help(
        ctx,
        "SLOWLOG",
        &[
            "GET [<count>]",
            "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
            "    Entries are made of:",
            "    id, timestamp, time in microseconds, arguments array, client IP and port,",
            "    client name",
            "LEN",
            "    Return the length of the slowlog.",
            "RESET",
            "    Reset the slowlog.",
        ],
    );
    Ok(())
}

// ---- COMMAND ----------------------------------------------------------------

fn write_flags(out: &mut Out, spec: &CommandSpec) {
    let mut f = spec.flags;
    if spec.first_key > 0 && spec.last_key < 0 && spec.key_step > 1 {
        // no movable keys for fixed patterns
        f &= !flags::MOVABLE_KEYS;
    }
    let names: Vec<&str> = flags::NAMES.iter().filter(|(b, _)| f & b != 0).map(|(_, n)| *n).collect();
    out.set(names.len());
    for n in names {
        out.simple(n);
    }
}

fn write_acl(out: &mut Out, spec: &CommandSpec) {
    let cats = spec.acl_categories();
    let names: Vec<String> =
        acl::NAMES.iter().enumerate().filter(|(i, _)| cats & (1 << i) != 0).map(|(_, n)| format!("@{n}")).collect();
    out.set(names.len());
    for n in &names {
        out.simple(n);
    }
}

fn write_key_specs(out: &mut Out, spec: &CommandSpec) {
    if spec.first_key <= 0 {
        out.set(0);
        return;
    }
    let write = spec.flags & flags::WRITE != 0;
    out.set(1);
    out.map(3);
    out.bulk(b"flags");
    if spec.flags & flags::PUBSUB != 0 {
        // Shard channels sit in key positions (for cluster routing) but
        // are not keys.
        out.set(1);
        out.simple("not_key");
    } else {
        out.set(2);
        out.simple(if write { "RW" } else { "RO" });
        out.simple(if write { "update" } else { "access" });
    }
    out.bulk(b"begin_search");
    out.map(2);
    out.bulk(b"type");
    out.bulk(b"index");
    out.bulk(b"spec");
    out.map(1);
    out.bulk(b"index");
    out.int(i64::from(spec.first_key));
    out.bulk(b"find_keys");
    out.map(2);
    out.bulk(b"type");
    out.bulk(b"range");
    out.bulk(b"spec");
    out.map(3);
    out.bulk(b"lastkey");
    out.int(if spec.last_key < 0 { i64::from(spec.last_key) } else { i64::from(spec.last_key - spec.first_key) });
    out.bulk(b"keystep");
    out.int(i64::from(spec.key_step));
    out.bulk(b"limit");
    out.int(0);
}

/// One COMMAND INFO entry.
fn write_info(out: &mut Out, spec: &CommandSpec) {
    out.array(10);
    out.bulk(spec.fullname.as_bytes());
    out.int(i64::from(spec.arity));
    write_flags(out, spec);
    out.int(i64::from(spec.first_key));
    out.int(i64::from(spec.last_key));
    out.int(i64::from(spec.key_step));
    write_acl(out, spec);
    out.set(0);
    write_key_specs(out, spec);
    // Redis sends an empty set, or an array of subcommands.
    if spec.subcommands.is_empty() {
        out.set(0);
    } else {
        out.array(spec.subcommands.len());
    }
    for sub in spec.subcommands {
        write_info(out, sub);
    }
}

/// One COMMAND DOCS entry (the map after the name).
fn write_docs(out: &mut Out, spec: &CommandSpec) {
    let args = crate::commands::syntax::parse(spec.syntax);
    let mut fields = 4;
    if !args.is_empty() {
        fields += 1;
    }
    if !spec.subcommands.is_empty() {
        fields += 1;
    }
    out.map(fields);
    out.bulk(b"summary");
    out.bulk(spec.summary.as_bytes());
    out.bulk(b"since");
    out.bulk(spec.since.as_bytes());
    out.bulk(b"group");
    out.bulk(spec.group.as_bytes());
    out.bulk(b"complexity");
    out.bulk(spec.complexity.as_bytes());
    if !args.is_empty() {
        out.bulk(b"arguments");
        crate::commands::syntax::write_args(out, &args);
    }
    if !spec.subcommands.is_empty() {
        out.bulk(b"subcommands");
        out.map(spec.subcommands.len());
        for sub in spec.subcommands {
            out.bulk(sub.fullname.as_bytes());
            write_docs(out, sub);
        }
    }
}

fn command_all(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    let reg = registry();
    let top: Vec<_> = reg.top_level().collect();
    let out = ctx.out();
    out.array(top.len());
    for spec in top {
        write_info(out, spec);
    }
    Ok(())
}

fn command_count(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    let n = registry().top_level().count();
    ctx.out().int(n as i64);
    Ok(())
}

fn command_info(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let reg = registry();
    if cmd.len() == 2 {
        return command_all(ctx, cmd);
    }
    let out = ctx.out();
    out.array(cmd.len() - 2);
    for name in cmd.iter().skip(2) {
        match reg.lookup_full(name) {
            Some(i) => write_info(out, reg.specs[i]),
            None => out.null(),
        }
    }
    Ok(())
}

fn command_docs(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let reg = registry();
    let specs: Vec<&CommandSpec> = if cmd.len() == 2 {
        reg.top_level().collect()
    } else {
        cmd.iter().skip(2).filter_map(|n| reg.lookup_full(n).map(|i| reg.specs[i])).collect()
    };
    let out = ctx.out();
    out.map(specs.len());
    for spec in specs {
        out.bulk(spec.fullname.as_bytes());
        write_docs(out, spec);
    }
    Ok(())
}

fn command_list(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let reg = registry();
    let filter: Box<dyn Fn(&CommandSpec) -> bool> = match cmd.len() {
        2 => Box::new(|_| true),
        5 if is(cmd.arg(2), "FILTERBY") => {
            let (kind, value) = (cmd.arg(3), cmd.arg(4).to_vec());
            if is(kind, "MODULE") {
                Box::new(|_| false)
            } else if is(kind, "ACLCAT") {
                let bit = acl::NAMES.iter().position(|n| n.as_bytes().eq_ignore_ascii_case(&value));
                Box::new(move |s| bit.is_some_and(|b| s.acl_categories() & (1 << b) != 0))
            } else if is(kind, "PATTERN") {
                Box::new(move |s| glob_match(&value, s.fullname.as_bytes(), true))
            } else {
                return Err(CmdError::Syntax);
            }
        }
        _ => return Err(CmdError::Syntax),
    };
    let names: Vec<&str> = reg.specs.iter().filter(|s| filter(s)).map(|s| s.fullname).collect();
    let out = ctx.out();
    out.array(names.len());
    for n in names {
        out.bulk(n.as_bytes());
    }
    Ok(())
}

fn command_getkeys(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let reg = registry();
    let Some(mut idx) = reg.lookup(cmd.arg(2)) else {
        return Err(CmdError::err("Invalid command specified"));
    };
    let argc = cmd.len() - 2;
    if !reg.specs[idx].subcommands.is_empty() && argc >= 2 {
        if let Some(sub) = reg.lookup_sub(idx, cmd.arg(3)) {
            idx = sub;
        }
    }
    let spec = reg.specs[idx];
    if !spec.arity_ok(argc) {
        return Err(CmdError::err("Invalid number of arguments specified for command"));
    }
    let positions = spec.keys_in(argc, |i| cmd.get(i + 2));
    if positions.is_empty() && spec.flags & crate::command::flags::NO_MANDATORY_KEYS != 0 {
        // EVAL with numkeys 0: keys are optional, none were given.
        ctx.out().array(0);
        return Ok(());
    }
    if positions.is_empty() || spec.flags & flags::PUBSUB != 0 {
        return Err(CmdError::err("The command has no key arguments"));
    }
    let out = ctx.out();
    out.array(positions.len());
    for p in positions {
        out.bulk(cmd.arg(p + 2));
    }
    Ok(())
}

fn command_help(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    help(
        ctx,
        "COMMAND",
        &[
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
        ],
    );
    Ok(())
}

/// Whether the client speaks RESP3 (used by tests).
pub fn is_resp3(out: &Out) -> bool {
    out.proto == Protocol::Resp3
}
