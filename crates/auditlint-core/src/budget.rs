//! The parse time limit both front ends keep: a file whose parse (and, for Rust, analysis) takes
//! longer than [`ParseDeadline::budget_for`] its size is not checked, and said so.
//!
//! Real code parses far below it: TypeScript's own 9 MB `typescript.js` takes 1.7 s (0.19 µs a
//! byte), a 2 MB Rust file at the nesting limit about 2 s. What it stops are the inputs on which
//! a parser is quadratic, such as tree-sitter's automatic-semicolon scan over thousands of comment
//! lines between `foo()` and a `/` on a later line (`bench/scaling.py`). The time is wall-clock
//! time: a heavily loaded machine reaches the limit sooner, hence the wide margin.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Every file gets at least this long.
pub const PARSE_TIME_FLOOR: Duration = Duration::from_secs(1);
/// And this much more per MiB of text.
pub const PARSE_TIME_PER_MIB: Duration = Duration::from_secs(3);

/// When the parse of one file must stop.
#[derive(Debug, Clone, Copy)]
pub struct ParseDeadline {
    at: Instant,
    budget: Duration,
    bytes: usize,
}

impl ParseDeadline {
    /// The budget of a text of `bytes` bytes: the floor plus a share proportional to its size.
    pub fn budget_for(bytes: usize) -> Duration {
        PARSE_TIME_FLOOR + PARSE_TIME_PER_MIB.mul_f64(bytes as f64 / (1024.0 * 1024.0))
    }

    /// Starts the clock for a text of `bytes` bytes.
    pub fn start(bytes: usize) -> Self {
        let budget = test_budget().unwrap_or_else(|| Self::budget_for(bytes));
        ParseDeadline {
            at: Instant::now() + budget,
            budget,
            bytes,
        }
    }

    pub fn exceeded(&self) -> bool {
        Instant::now() >= self.at
    }

    /// Time left (zero once exceeded).
    pub fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    /// What the user reads when the limit is hit.
    pub fn message(&self) -> String {
        format!(
            "not checked: parse time limit exceeded (more than {:.1} s for {} KiB; the limit is {} s plus {} s per MiB)",
            self.budget.as_secs_f64(),
            self.bytes.div_ceil(1024),
            PARSE_TIME_FLOOR.as_secs(),
            PARSE_TIME_PER_MIB.as_secs()
        )
    }
}

/// `AUDITLINT_TEST_PARSE_BUDGET_MS`: a test hook that gives every file this budget instead, so
/// the tests reach the limit with small inputs (and prove the Rust worker is abandoned).
fn test_budget() -> Option<Duration> {
    static BUDGET: OnceLock<Option<Duration>> = OnceLock::new();
    *BUDGET.get_or_init(|| {
        let millis = std::env::var("AUDITLINT_TEST_PARSE_BUDGET_MS").ok()?;
        millis.trim().parse().ok().map(Duration::from_millis)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_grows_with_the_size_from_a_floor() {
        assert_eq!(ParseDeadline::budget_for(0), PARSE_TIME_FLOOR);
        assert_eq!(
            ParseDeadline::budget_for(2 * 1024 * 1024),
            Duration::from_secs(7)
        );
        let message = ParseDeadline::start(600 * 1024).message();
        assert!(
            message
                .starts_with("not checked: parse time limit exceeded (more than 2.8 s for 600 KiB"),
            "{message}"
        );
    }
}
