//! Times parsing and fact extraction of one file: `cargo run --release -p auditlint-ts
//! --example extract_timing -- FILE [RUNS]`.

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: extract_timing FILE [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(10);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) => {
            eprintln!("{path}: {err}");
            std::process::exit(2);
        }
    };
    let Some(language) = auditlint_ts::language_of(&path) else {
        eprintln!("{path}: not a TypeScript or JavaScript file");
        std::process::exit(2);
    };
    let mut best = f64::MAX;
    let mut ops = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let facts = auditlint_ts::extract(&text, language);
        best = best.min(started.elapsed().as_secs_f64() * 1e3);
        ops = facts.map_or(0, |f| f.ops.len());
    }
    println!(
        "{path}: {} bytes, {ops} operations, best of {runs}: {best:.2} ms",
        text.len()
    );
}
