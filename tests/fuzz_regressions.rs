//! Every input the fuzzer (scripts/fuzz) ever failed on, replayed through the same checks
//! (fuzz/checks.rs) on every test run: `tests/fuzz-regressions/TARGET/NAME`. Each folder also holds
//! `seed-*` inputs of shapes known to be hard (escape sequences, invalid UTF-8, deep nesting,
//! truncation, overflowing numbers), so that no replay runs over an empty folder.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../fuzz/checks.rs"]
mod checks;

fn replay(target: &str, check: fn(&[u8])) -> usize {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        {
            continue;
        }
        let data = std::fs::read(&path).unwrap();
        let result = std::panic::catch_unwind(|| check(&data));
        assert!(result.is_ok(), "{} fails again", path.display());
        n += 1;
    }
    n
}

#[test]
fn decode_inputs_that_once_failed() {
    assert!(replay("decode", checks::decode_body) >= 5);
}

#[test]
fn filter_inputs_that_once_failed() {
    assert!(replay("filter", checks::filter_text) >= 4);
}

#[test]
fn pattern_inputs_that_once_failed() {
    assert!(replay("pattern", checks::pattern_and_event) >= 1);
}
