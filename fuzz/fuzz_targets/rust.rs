//! The Rust front end on arbitrary bytes: decoded as a run decodes a file, then
//! `auditlint_rust::extract_with` (the nesting pre-check, syn on its big-stack thread, the
//! analysis) and the problems a run reports. Inputs of odd length also analyse test code.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    auditlint_fuzz::remember(data);
    let check_tests = data.len() % 2 == 1;
    auditlint_fuzz::on_worker(|| {
        let _ = auditlint_engine::fuzzing::analyse_file("src/lib.rs", data.to_vec(), check_tests);
    });
});
