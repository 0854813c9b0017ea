//! How deeply a file nests, measured without parsing (and without recursion).

/// Operators and keywords that syn (or a visit of its tree) may recurse on once each (`!!x`,
/// `|a| |b| x`, `x as u8 as u16`, `a = b = c`, `return return x`, `Vec<Vec<T>>`, `else if`,
/// `a.b().c()`, `x??`, `1 + 1 + 1`), counted within
/// one statement or list item at each bracket level, summed over the open brackets: a bound
/// on syn's recursion that no real code comes near. 10,000 levels of the costliest shape parse
/// on the parser thread's stack in a debug build.
pub const MAX_PREFIX_CHAIN: usize = 4_000;

/// Bytes that continue an identifier: ASCII letters and digits, `_` (one load per byte of a
/// word, where the two range checks and a comparison cost three).
const IDENT_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'_';
        b += 1;
    }
    table
};

/// Keywords syn (or a visit of its tree) may recurse on once each. A `match` on the word, not a
/// search of a list: every identifier of the file is asked.
fn is_recursive_keyword(word: &str) -> bool {
    matches!(
        word,
        "as" | "return"
            | "break"
            | "move"
            | "else"
            | "if"
            | "dyn"
            | "fn"
            | "impl"
            | "mut"
            | "let"
            | "match"
            | "while"
            | "for"
            | "loop"
            | "async"
            | "unsafe"
            | "const"
            | "static"
            | "yield"
            | "become"
            | "box"
    )
}

/// The 1-based line where nesting first exceeds `limit` brackets, or the recursion estimate
/// exceeds [`MAX_PREFIX_CHAIN`]. Strings, characters and comments are skipped.
pub fn too_deep(text: &str, limit: usize) -> Option<(usize, Limit)> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    // Recursion-prone tokens in the current statement, per open bracket, and their sum.
    let mut counters: Vec<usize> = vec![0];
    // Closure pipes per open bracket: a `,` between a closure's parameters (`|a, b| |a, b| ..`)
    // ends no list item, so these are reset only where a statement or bracket ends.
    let mut pipes: Vec<usize> = vec![0];
    let mut total = 0usize;
    let mut line = 1usize;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\n' => {
                line += 1;
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                // A run of blanks (indentation) in a loop of its own.
                i += 1;
                while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\r') {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let mut level = 0usize;
                while i < bytes.len() {
                    if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
                        level += 1;
                        i += 2;
                    } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
                        level -= 1;
                        i += 2;
                        if level == 0 {
                            break;
                        }
                    } else {
                        if bytes[i] == b'\n' {
                            line += 1;
                        }
                        i += 1;
                    }
                }
                continue;
            }
            b'"' => {
                i = skip_string(bytes, i + 1, None, &mut line);
                continue;
            }
            b'\'' => {
                // A character literal ('a', '\n', '\u{1F600}') or a lifetime ('a).
                if bytes.get(i + 1) == Some(&b'\\') {
                    let mut j = i + 2;
                    while j < bytes.len() && bytes[j] != b'\'' && bytes[j] != b'\n' {
                        j += 1;
                    }
                    i = j + 1;
                } else {
                    let width = text[i + 1..].chars().next().map_or(1, char::len_utf8);
                    if bytes.get(i + 1 + width) == Some(&b'\'') {
                        i += 2 + width;
                    } else {
                        i += 1;
                    }
                }
                continue;
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Some((line, Limit::Brackets));
                }
                counters.push(0);
                pipes.push(0);
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if counters.len() > 1 {
                    total -= counters.pop().unwrap_or(0);
                    total -= pipes.pop().unwrap_or(0);
                }
                // A closed block ends an item or statement (`fn f() { .. }`, `if c { .. }`).
                if b == b'}' {
                    for top in [counters.last_mut(), pipes.last_mut()]
                        .into_iter()
                        .flatten()
                    {
                        total -= *top;
                        *top = 0;
                    }
                }
            }
            b';' | b',' => {
                if let Some(top) = counters.last_mut() {
                    total -= *top;
                    *top = 0;
                }
                if b == b';'
                    && let Some(top) = pipes.last_mut()
                {
                    total -= *top;
                    *top = 0;
                }
            }
            b'|' => {
                if let Some(top) = pipes.last_mut() {
                    *top += 1;
                    total += 1;
                }
                if total > MAX_PREFIX_CHAIN {
                    return Some((line, Limit::Chain));
                }
            }
            b'!' | b'-' | b'*' | b'&' | b'<' | b'=' | b'.' | b'?' | b'+' | b'/' | b'%' | b'^'
            | b'>' => {
                if let Some(top) = counters.last_mut() {
                    *top += 1;
                    total += 1;
                }
                if total > MAX_PREFIX_CHAIN {
                    return Some((line, Limit::Chain));
                }
            }
            b if b.is_ascii_alphabetic() || b == b'_' => {
                let start = i;
                while i < bytes.len() && IDENT_BYTE[usize::from(bytes[i])] {
                    i += 1;
                }
                let word = &text[start..i];
                if matches!(word, "r" | "br" | "cr") && is_raw_start(bytes, i) {
                    let mut hashes = 0;
                    while bytes.get(i) == Some(&b'#') {
                        hashes += 1;
                        i += 1;
                    }
                    i = skip_string(bytes, i + 1, Some(hashes), &mut line);
                    continue;
                }
                if is_recursive_keyword(word) {
                    if let Some(top) = counters.last_mut() {
                        *top += 1;
                        total += 1;
                    }
                    if total > MAX_PREFIX_CHAIN {
                        return Some((line, Limit::Chain));
                    }
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Which limit a file exceeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Brackets,
    Chain,
}

/// At `i`, after an `r`/`br`/`cr` prefix: `#`s then a quote.
fn is_raw_start(bytes: &[u8], i: usize) -> bool {
    let mut j = i;
    while bytes.get(j) == Some(&b'#') {
        j += 1;
    }
    bytes.get(j) == Some(&b'"')
}

/// Skips a string body starting at `i` (after the opening quote); returns the index after it.
/// `raw`: the `#`s of a raw string (`r#".."#`), in which a backslash escapes nothing — `r"\"`
/// is a whole string.
fn skip_string(bytes: &[u8], mut i: usize, raw: Option<usize>, line: &mut usize) -> usize {
    let hashes = raw.unwrap_or(0);
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if raw.is_none() => i += 2,
            b'"' => {
                let closes = (0..hashes).all(|k| bytes.get(i + 1 + k) == Some(&b'#'));
                if closes {
                    return i + 1 + hashes;
                }
                i += 1;
            }
            b'\n' => {
                *line += 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::{Limit, too_deep};

    #[test]
    fn counts_brackets_and_operator_chains_but_not_strings() {
        let deep = format!("fn f() {{ {}1{} }}", "(".repeat(300), ")".repeat(300));
        assert_eq!(too_deep(&deep, 256), Some((1, Limit::Brackets)));
        let fine = format!("fn f() {{ {}1{} }}", "(".repeat(100), ")".repeat(100));
        assert_eq!(too_deep(&fine, 256), None);
        let nots = format!("fn f() {{\n let x = {}true; }}", "!".repeat(5000));
        assert_eq!(too_deep(&nots, 256), Some((2, Limit::Chain)));
        let lists = format!("fn f() {{\n let x = [{}]; }}", "-1, ".repeat(50_000));
        assert_eq!(too_deep(&lists, 256), None);
        let in_string = format!(
            "fn f() {{ let s = \"{}\"; let r = r#\"{}\"#; }}",
            "(".repeat(300),
            "[".repeat(300)
        );
        assert_eq!(too_deep(&in_string, 256), None);
        let in_comment = format!(
            "// {}\n/* {} /* */ */ fn f() {{}}",
            "{".repeat(300),
            "(".repeat(300)
        );
        assert_eq!(too_deep(&in_comment, 256), None);
        assert_eq!(
            too_deep("fn f<'a>(x: &'a str) -> char { '(' }", 0),
            Some((1, Limit::Brackets))
        );
        // Items end at their closing brace: a long file of impls is not one long statement.
        let items =
            "impl std::fmt::Display for X { fn fmt(&self) -> &'a u8 { &&*x } }\n".repeat(5_000);
        assert_eq!(too_deep(&items, 256), None);
        assert_eq!(too_deep("const C: char = '(';", 0), None);
        for b in 0..=255u8 {
            assert_eq!(
                super::IDENT_BYTE[usize::from(b)],
                b.is_ascii_alphanumeric() || b == b'_'
            );
        }
    }

    #[test]
    fn a_backslash_in_a_raw_string_hides_nothing() {
        let deep = format!(
            "pub fn f() {{ let _a = r\"\\\"; let _d = {}1{}; let _q = '\"'; }}",
            "(".repeat(100_000),
            ")".repeat(100_000)
        );
        assert_eq!(too_deep(&deep, 256), Some((1, Limit::Brackets)));
    }

    #[test]
    fn commas_between_closure_parameters_do_not_reset_the_chain() {
        let chain = format!("pub fn f() {{ let _g = {}1; }}", "|a, b| ".repeat(100_000));
        assert_eq!(too_deep(&chain, 256), Some((1, Limit::Chain)));
        // Real closures in argument lists stay far below the limit.
        let calls = format!(
            "pub fn f() {{ {} }}",
            "xs.iter().map(|a| a + 1).filter(|b| *b > 2).count();\n".repeat(20_000)
        );
        assert_eq!(too_deep(&calls, 256), None);
    }
}
