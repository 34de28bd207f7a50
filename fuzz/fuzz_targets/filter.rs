//! See fuzz/checks.rs.
#![no_main]

include!("../checks.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| filter_text(data));
