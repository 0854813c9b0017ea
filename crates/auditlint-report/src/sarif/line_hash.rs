//! GitHub's `primaryLocationLineHash`, ported exactly from github/codeql-action
//! `src/fingerprints.ts` (`hash`), so code scanning matches our alerts across commits the same way
//! it matches those whose fingerprints `upload-sarif` computes itself.
//!
//! A rolling hash (base 37, wrapping 64-bit arithmetic, as the TypeScript's `Long`) runs over
//! the file's UTF-16 code units with spaces and tabs dropped and `\r\n`/`\r` read as `\n`; each
//! line's hash covers the 100 characters that start at its first character. An end-of-file marker
//! (65535) and 100 zeros follow the text, so the last lines get a hash too. Identical hashes
//! are told apart by a 1-based occurrence count: `hash:count`.

use std::collections::HashMap;

const BLOCK_SIZE: usize = 100;
const MOD: i64 = 37;
const TAB: u16 = b'\t' as u16;
const SPACE: u16 = b' ' as u16;
const LF: u16 = b'\n' as u16;
const CR: u16 = b'\r' as u16;
const EOF: u16 = 65535;

/// The hash of every line of `text`: element `i` is line `i + 1`'s `primaryLocationLineHash`.
pub fn line_hashes(text: &str) -> Vec<String> {
    let mut hasher = Hasher::new();
    for unit in text.encode_utf16() {
        hasher.process(unit);
    }
    hasher.process(EOF);
    for _ in 0..BLOCK_SIZE {
        if hasher.line_numbers[hasher.index].is_some() {
            hasher.output();
        }
        hasher.update(0);
    }
    hasher.hashes
}

struct Hasher {
    /// The last `BLOCK_SIZE` characters, a ring indexed by `index`.
    window: [i64; BLOCK_SIZE],
    /// The line that starts at each window slot, if one does.
    line_numbers: [Option<usize>; BLOCK_SIZE],
    hash: i64,
    /// `MOD` to the power `BLOCK_SIZE`: what the character leaving the window weighs.
    first_mod: i64,
    index: usize,
    line_number: usize,
    line_start: bool,
    prev_cr: bool,
    counts: HashMap<u64, usize>,
    hashes: Vec<String>,
}

impl Hasher {
    fn new() -> Self {
        Self {
            window: [0; BLOCK_SIZE],
            line_numbers: [None; BLOCK_SIZE],
            hash: 0,
            first_mod: (0..BLOCK_SIZE).fold(1i64, |acc, _| acc.wrapping_mul(MOD)),
            index: 0,
            line_number: 0,
            line_start: true,
            prev_cr: false,
            counts: HashMap::new(),
            hashes: Vec::new(),
        }
    }

    fn output(&mut self) {
        // `Long.toUnsigned().toString(16)`: the two's-complement bits, lowercase, no padding.
        let value = self.hash as u64;
        let count = self.counts.entry(value).or_insert(0);
        *count += 1;
        // Lines come out in order, one each, so the vector's index is the line number - 1.
        debug_assert_eq!(self.line_numbers[self.index], Some(self.hashes.len() + 1));
        self.hashes.push(format!("{value:x}:{count}"));
        self.line_numbers[self.index] = None;
    }

    fn update(&mut self, current: u16) {
        let begin = self.window[self.index];
        self.window[self.index] = i64::from(current);
        self.hash = MOD
            .wrapping_mul(self.hash)
            .wrapping_add(i64::from(current))
            .wrapping_sub(self.first_mod.wrapping_mul(begin));
        self.index = (self.index + 1) % BLOCK_SIZE;
    }

    fn process(&mut self, unit: u16) {
        if unit == SPACE || unit == TAB || (self.prev_cr && unit == LF) {
            self.prev_cr = false;
            return;
        }
        let current = if unit == CR {
            self.prev_cr = true;
            LF
        } else {
            self.prev_cr = false;
            unit
        };
        if self.line_numbers[self.index].is_some() {
            self.output();
        }
        if self.line_start {
            self.line_start = false;
            self.line_number += 1;
            self.line_numbers[self.index] = Some(self.line_number);
        }
        if current == LF {
            self.line_start = true;
        }
        self.update(current);
    }
}

#[cfg(test)]
mod tests {
    use super::line_hashes;

    /// The cases of codeql-action's `src/fingerprints.test.ts`, with its expected values.
    #[test]
    fn matches_codeql_action() {
        let cases: &[(&str, &[&str])] = &[
            ("", &["c129715d7a2bc9a3:1"]),
            (
                " a\nb\n  \t\tc\n d",
                &[
                    "271789c17abda88f:1",
                    "54703d4cd895b18:1",
                    "180aee12dab6264:1",
                    "a23a3dc5e078b07b:1",
                ],
            ),
            (
                " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End",
                &[
                    "8b7cf3e952e7aeb2:1",
                    "b1ae1287ec4718d9:1",
                    "bff680108adb0fcc:1",
                    "c6805c5e1288b612:1",
                    "b86d3392aea1be30:1",
                    "e6ceba753e1a442:1",
                ],
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(line_hashes(input), *expected, "{input:?}");
        }
        // Every line-ending style hashes the same.
        let ending_variants = [
            " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n",
            " hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r",
            " hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n",
            " hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n",
        ];
        for input in ending_variants {
            assert_eq!(
                line_hashes(input),
                [
                    "e9496ae3ebfced30:1",
                    "fb7c023a8b9ccb3f:1",
                    "ce8ba1a563dcdaca:1",
                    "e20e36e16fcb0cc8:1",
                    "b3edc88f2938467e:1",
                    "c8e28b0b4002a3a0:1",
                    "c129715d7a2bc9a3:1",
                ],
                "{input:?}"
            );
        }
        // Repeated lines: identical hashes are numbered.
        assert_eq!(
            line_hashes(&"Lorem ipsum dolor sit amet.\n".repeat(10)),
            [
                "a7f2ff13bc495cf2:1",
                "a7f2ff13bc495cf2:2",
                "a7f2ff13bc495cf2:3",
                "a7f2ff13bc495cf2:4",
                "a7f2ff13bc495cf2:5",
                "a7f2ff13bc495cf2:6",
                "a7f2ff1481e87703:1",
                "a9cf91f7bbf1862b:1",
                "55ec222b86bcae53:1",
                "cc97dc7b1d7d8f7b:1",
                "c129715d7a2bc9a3:1",
            ]
        );
    }

    #[test]
    fn non_ascii_text_hashes_utf16_code_units() {
        // One hash per line whatever the characters; astral characters are two code units.
        let hashes = line_hashes("const é = \"😀\";\nx\n");
        assert_eq!(hashes.len(), 3);
        assert_ne!(hashes[0], line_hashes("const e = \"x\";\nx\n")[0]);
    }
}
