//! The references the rdb tests compare with: dump files written by real
//! Redis (`../shared/fixtures`, beside the repository, never copied into
//! it) and the installed `redis-server` / `redis-check-rdb`. A missing one
//! skips its test with a printed line, unless `EMBER_REQUIRE_REFERENCES=1`
//! (which `.ci/run` sets): then the test fails, so a green CI run has always
//! compared.

use std::path::PathBuf;

/// The variable that turns a missing reference into a test failure.
pub const REQUIRE_REFERENCES: &str = "EMBER_REQUIRE_REFERENCES";

/// Where the fixtures are looked for instead of `../shared/fixtures`
/// (for a checkout that is not beside `shared`, such as a worktree).
pub const FIXTURES_VAR: &str = "EMBER_FIXTURES";

/// Whether a missing reference fails the test instead of skipping it:
/// `EMBER_REQUIRE_REFERENCES` is set to anything but `0`.
pub fn references_required() -> bool {
    std::env::var_os(REQUIRE_REFERENCES).is_some_and(|v| !v.is_empty() && v != "0")
}

/// The one decision for a reference that is not there: a panic when
/// references are required, otherwise a printed skip line.
pub fn missing_reference(what: &str) {
    if references_required() {
        panic!(
            "{what}, and {REQUIRE_REFERENCES} is set: this test compares with it and must not pass without it \
             (install redis-server and redis-tools, provide the fixtures, or unset {REQUIRE_REFERENCES} to \
             skip locally)"
        );
    }
    println!("{what}: skipping this test ({REQUIRE_REFERENCES}=1 makes this a failure)");
}

/// The fixture directory `name` (`redis-rdb`): under `$EMBER_FIXTURES` if
/// set, else `../shared/fixtures` from the repository root; `None` after
/// [`missing_reference`].
pub fn fixtures(name: &str) -> Option<PathBuf> {
    let base = match std::env::var_os(FIXTURES_VAR) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"),
    };
    let dir = base.join(name);
    if dir.is_dir() {
        Some(dir)
    } else {
        missing_reference(&format!(
            "the Redis fixtures are missing (looked in {}; {FIXTURES_VAR} names another fixtures directory)",
            dir.display()
        ));
        None
    }
}

/// Whether the program `name` is on PATH; `false` after
/// [`missing_reference`].
pub fn reference(name: &str) -> bool {
    let found =
        std::env::var_os("PATH").is_some_and(|paths| std::env::split_paths(&paths).any(|p| p.join(name).is_file()));
    if !found {
        missing_reference(&format!("{name} is not on PATH"));
    }
    found
}
