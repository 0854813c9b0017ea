//! Prints one line per source file named on stdin: its path and a hash of its facts (their
//! `Debug` text), or of the error (an unreadable file: a line saying so). Two builds' outputs compared line by line prove that a change
//! to a front end (a performance one, say) extracts the same facts:
//!
//! ```sh
//! rg --files -g '*.{ts,tsx,js,jsx,mjs,cjs,mts,cts,rs,go,py,pyi}' TREE | cargo run --release -p auditlint-engine --example facts_digest
//! ```
//!
//! With `FACTS_DIGEST_TESTS=1`, Rust files are extracted with their test code too
//! (`extract_with(text, true)`), which the default run leaves out.

use std::hash::{Hash, Hasher};
use std::io::BufRead;

fn main() {
    let stdin = std::io::stdin();
    let lines: Vec<String> = stdin.lock().lines().map_while(Result::ok).collect();
    let check_tests = std::env::var_os("FACTS_DIGEST_TESTS").is_some_and(|v| v == "1");
    for path in lines {
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) => {
                println!("{path}\tunreadable: {err}");
                continue;
            }
        };
        let debug = if path.ends_with(".rs") {
            format!("{:?}", auditlint_rust::extract_with(&text, check_tests))
        } else if auditlint_python::is_python(&path) {
            format!("{:?}", auditlint_python::extract(&text))
        } else if path.ends_with(".go") {
            format!("{:?}", auditlint_go::extract(&text))
        } else if let Some(language) = auditlint_ts::language_of(&path) {
            format!("{:?}", auditlint_ts::extract(&text, language))
        } else {
            continue;
        };
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        debug.hash(&mut hasher);
        println!("{path}\t{:016x}\t{}", hasher.finish(), debug.len());
    }
}
