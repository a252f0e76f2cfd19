//! INFO: the server's state as text sections (server, clients, memory,
//! persistence, stats, replication, cpu, modules, errorstats, cluster,
//! keyspace, and with `all`/`everything` commandstats and latencystats).

use std::fmt::Write as _;

use crate::alloc::{rss_bytes, used_memory};
use crate::command::prelude::*;
use crate::command::{lossy, registry};
use crate::commands::common::REDIS_VERSION;
use crate::state::{unix_ms, unix_us, Shared};

/// INFO.
pub static COMMANDS: &[CommandSpec] = &[CommandSpec::new("info", -1, info)
    .flags(LOADING | STALE | SENTINEL)
    .acl(acl::DANGEROUS)
    .tips(&["nondeterministic_output", "request_policy:all_shards", "response_policy:special"])
    .doc("server", "Get information and statistics about the server", "1.0.0", "O(1)")
    .history(&[("7.0.0", "Added support for taking multiple section arguments.")])
    .args(&[arg::string("section").optional().multiple()])];

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

/// Redis's `bytesToHuman`: bytes below 1 KiB, then K, M, G, T and P with
/// two decimals, and bytes again from 1024 P on.
fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["K", "M", "G", "T", "P"];
    if n < 1024 {
        return format!("{n}B");
    }
    let mut scale = 1024u64;
    for unit in UNITS {
        if n < scale * 1024 {
            return format!("{:.2}{unit}", n as f64 / scale as f64);
        }
        scale *= 1024;
    }
    format!("{n}B")
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
            for (code, n) in &srv.stats.errors {
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
            for (i, st) in srv.stats.commands.iter().enumerate() {
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
            for (i, st) in srv.stats.commands.iter().enumerate() {
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

/// The sections INFO prints for these arguments, in order, each once: the
/// default ones without arguments, `default`, `all` / `everything` expand,
/// other names are taken lowercased.
fn wanted_sections<'a>(args: impl Iterator<Item = &'a [u8]>) -> Vec<String> {
    let mut wanted: Vec<String> = Vec::new();
    let add = |name: &str, wanted: &mut Vec<String>| {
        if !wanted.iter().any(|w| w == name) {
            wanted.push(name.to_string());
        }
    };
    let mut args = args.peekable();
    if args.peek().is_none() {
        for s in DEFAULT_SECTIONS {
            add(s, &mut wanted);
        }
    }
    for arg in args {
        let name = lossy(arg).to_ascii_lowercase();
        match name.as_str() {
            "default" => DEFAULT_SECTIONS.iter().for_each(|s| add(s, &mut wanted)),
            "all" | "everything" => {
                DEFAULT_SECTIONS.iter().chain(EXTRA_SECTIONS).for_each(|s| add(s, &mut wanted));
            }
            other => add(other, &mut wanted),
        }
    }
    wanted
}

fn info(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let wanted = wanted_sections(args);
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
    Ok(Replied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_sizes_like_redis() {
        for (n, want) in [
            (0, "0B"),
            (1023, "1023B"),
            (1024, "1.00K"),
            (1536, "1.50K"),
            (1 << 20, "1.00M"),
            (3 << 30, "3.00G"),
            (2 << 40, "2.00T"),
            (1 << 50, "1.00P"),
            (1 << 60, "1152921504606846976B"),
            (u64::MAX, "18446744073709551615B"),
        ] {
            assert_eq!(human_bytes(n), want, "{n}");
        }
    }

    #[test]
    fn sections_wanted() {
        let check = |args: &[&str], want: &[&str]| {
            let got = wanted_sections(args.iter().map(|a| a.as_bytes()));
            assert_eq!(got, want, "{args:?}");
        };
        check(&[], DEFAULT_SECTIONS);
        check(&["default"], DEFAULT_SECTIONS);
        let all: Vec<&str> = DEFAULT_SECTIONS.iter().chain(EXTRA_SECTIONS).copied().collect();
        check(&["ALL"], &all);
        check(&["everything", "server"], &all);
        check(&["Memory", "cpu", "memory", "nosuch"], &["memory", "cpu", "nosuch"]);
        check(&["commandstats", "default"], &[&["commandstats"][..], DEFAULT_SECTIONS].concat());
    }
}
