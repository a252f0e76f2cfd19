//! Log lines in Redis's format: `PID:M DD Mon YYYY HH:MM:SS.mmm * message`.
//!
//! The log goes to stdout, or to `logfile` when set, and also to syslog(3)
//! when `syslog-enabled` is on. The level marks are Redis's: `.` debug,
//! `-` verbose, `*` notice, `#` warning.

use std::fs::OpenOptions;
use std::io::Write;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::config::LogLevel;

struct Sink {
    level: LogLevel,
    file: Option<std::fs::File>,
    syslog: bool,
}

static SINK: Mutex<Sink> = Mutex::new(Sink { level: LogLevel::Notice, file: None, syslog: false });

/// Sends log lines to syslog too, as `ident` with `facility` (`user`,
/// `local0` .. `local7`).
pub fn enable_syslog(ident: &str, facility: &str) {
    use nix::libc;
    let facility = match facility {
        "user" => libc::LOG_USER,
        "local1" => libc::LOG_LOCAL1,
        "local2" => libc::LOG_LOCAL2,
        "local3" => libc::LOG_LOCAL3,
        "local4" => libc::LOG_LOCAL4,
        "local5" => libc::LOG_LOCAL5,
        "local6" => libc::LOG_LOCAL6,
        "local7" => libc::LOG_LOCAL7,
        _ => libc::LOG_LOCAL0,
    };
    // openlog keeps the pointer: the identity lives as long as the process.
    let ident: &'static std::ffi::CStr =
        Box::leak(std::ffi::CString::new(ident.replace('\0', "")).unwrap_or_default().into_boxed_c_str());
    // SAFETY: `ident` is a valid C string that is never freed.
    unsafe { libc::openlog(ident.as_ptr(), libc::LOG_PID | libc::LOG_NDELAY | libc::LOG_NOWAIT, facility) };
    SINK.lock().unwrap_or_else(|e| e.into_inner()).syslog = true;
}

/// Sets the verbosity and destination. An empty path means stdout.
pub fn configure(level: LogLevel, path: &str) -> std::io::Result<()> {
    let file = if path.is_empty() { None } else { Some(OpenOptions::new().create(true).append(true).open(path)?) };
    let mut sink = SINK.lock().unwrap_or_else(|e| e.into_inner());
    sink.level = level;
    sink.file = file;
    Ok(())
}

/// Changes only the verbosity (CONFIG SET loglevel).
pub fn set_level(level: LogLevel) {
    SINK.lock().unwrap_or_else(|e| e.into_inner()).level = level;
}

/// Whether a message at `level` would be written.
pub fn enabled(level: LogLevel) -> bool {
    level >= SINK.lock().unwrap_or_else(|e| e.into_inner()).level
}

/// Writes one log line at `level` if the configured verbosity allows it.
pub fn log(level: LogLevel, msg: std::fmt::Arguments<'_>) {
    let mut sink = SINK.lock().unwrap_or_else(|e| e.into_inner());
    if level < sink.level || level == LogLevel::Nothing {
        return;
    }
    let mark = match level {
        LogLevel::Debug => '.',
        LogLevel::Verbose => '-',
        LogLevel::Notice => '*',
        _ => '#',
    };
    let line = format!("{}:M {} {} {}\n", std::process::id(), timestamp(SystemTime::now()), mark, msg);
    if sink.syslog {
        use nix::libc;
        let priority = match level {
            LogLevel::Debug => libc::LOG_DEBUG,
            LogLevel::Verbose => libc::LOG_INFO,
            LogLevel::Notice => libc::LOG_NOTICE,
            _ => libc::LOG_WARNING,
        };
        let text = std::ffi::CString::new(msg.to_string().replace('\0', "")).unwrap_or_default();
        // SAFETY: a constant format taking one valid C string.
        unsafe { libc::syslog(priority, c"%s".as_ptr(), text.as_ptr()) };
    }
    let _ = match sink.file.as_mut() {
        Some(f) => f.write_all(line.as_bytes()),
        None => std::io::stdout().lock().write_all(line.as_bytes()),
    };
}

/// `25 Nov 2026 18:20:48.123`, in UTC.
fn timestamp(t: SystemTime) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (year, month, day) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{:02} {} {} {:02}:{:02}:{:02}.{:03}",
        day,
        MONTHS[(month - 1) as usize],
        year,
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        d.subsec_millis()
    )
}

/// Converts days since 1970-01-01 to (year, month, day) in the proleptic
/// Gregorian calendar (Howard Hinnant's published algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Logs at a level: `log!(Notice, "Ready to accept connections")`.
#[macro_export]
macro_rules! log {
    ($level:ident, $($arg:tt)*) => {
        $crate::log::log($crate::config::LogLevel::$level, format_args!($($arg)*))
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn dates() {
        for (secs, want) in [
            (0, "01 Jan 1970 00:00:00.000"),
            (951_782_400, "29 Feb 2000 00:00:00.000"),
            (1_795_632_048, "25 Nov 2026 18:40:48.000"),
        ] {
            assert_eq!(timestamp(UNIX_EPOCH + Duration::from_secs(secs)), want);
        }
    }
}
