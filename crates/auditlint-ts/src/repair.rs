//! Valid code that tree-sitter-typescript 0.23 cannot parse, repaired by same-length masking.
//!
//! The grammar has open gaps (upstream tree-sitter-typescript#366 and others): a bare `&` in JSX
//! text, a type argument list before a tagged template or holding `typeof import("…")`,
//! `export type * from`, a function type whose parameter is a type keyword (`(string) => any`),
//! a call signature on the line after a member without `;`, a name like `in_filters` starting
//! the line after one without `;`, an `import("…").T[]` type, a NUL byte inside a string. A conformant parser (TypeScript's) accepts all of them; reporting them
//! as syntax errors made clean runs exit 2.
//!
//! Why masking: a patched grammar would be a fork to keep current by hand, and error recovery
//! leaves the facts around the error in doubt. Each shape here is instead rewritten in a copy of
//! the text into something the grammar reads — a space for `&`, blanks for a type argument
//! list or a keyword, `\x01` for NUL — byte for byte the same length and never touching a
//! newline, so every offset, line and column the facts carry is the original's. Nothing masked
//! can hold an audit write: types, JSX text, a keyword. Repairs run only on a file whose first
//! parse has errors, and the repaired parse is kept only when it has fewer errors, so valid code
//! that parses today is never touched and a real syntax error is still reported at its place.

use crate::syntax::NodeKind;
use tree_sitter::{Node, Tree};

/// Type keywords that the grammar will not read as a parameter name in a function type.
const TYPE_KEYWORDS: &[&str] = &[
    "any", "unknown", "never", "void", "string", "number", "boolean", "bigint", "symbol", "object",
];

/// A repaired copy of `source`, or `None` when no known shape was found.
pub fn repair(source: &str, tree: &Tree) -> Option<String> {
    let mut bytes = source.as_bytes().to_vec();
    let code = code_bytes(source.as_bytes());
    let mut changed = false;
    changed |= jsx_ampersands(tree.root_node(), &mut bytes);
    changed |= nul_bytes(&mut bytes);
    changed |= export_type_star(&mut bytes, &code);
    changed |= type_arguments(&mut bytes, &code);
    changed |= import_type_arrays(&mut bytes, &code);
    changed |= keyword_parameters(&mut bytes, &code);
    changed |= signature_separators(&mut bytes, &code);
    changed |= in_prefixed_names(&mut bytes, &code);
    if !changed {
        return None;
    }
    // Only ASCII bytes were written over ASCII bytes (or over a NUL): still UTF-8.
    String::from_utf8(bytes).ok()
}

/// `<p>Terms & Conditions</p>`, `<a href="…?a=1&b=2">`: the grammar wants an entity after `&`.
/// In an error inside JSX, each `&` that is neither an entity (`&amp;`, `&#38;`) nor half of
/// `&&` becomes a space.
fn jsx_ampersands(root: Node<'_>, bytes: &mut [u8]) -> bool {
    let mut changed = false;
    let mut cursor = root.walk();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.is_error() && in_jsx(node) {
            for at in node.start_byte()..node.end_byte() {
                let lone = bytes[at] == b'&'
                    && bytes.get(at + 1) != Some(&b'&')
                    && (at == 0 || bytes[at - 1] != b'&')
                    && !is_entity(&bytes[at..]);
                if lone {
                    bytes[at] = b' ';
                    changed = true;
                }
            }
            continue;
        }
        if node.has_error() {
            stack.extend(node.children(&mut cursor));
        }
    }
    changed
}

fn in_jsx(node: Node<'_>) -> bool {
    let mut current = node.parent();
    while let Some(n) = current {
        if n.node_kind().starts_with("jsx_") {
            return true;
        }
        current = n.parent();
    }
    false
}

/// `&amp;`, `&#38;`, `&#x26;` at the start of `rest`.
fn is_entity(rest: &[u8]) -> bool {
    let body = rest.iter().skip(1).take(32).take_while(|&&b| b != b';');
    let body: Vec<u8> = body.copied().collect();
    let closed = rest.get(body.len() + 1) == Some(&b';');
    let named = !body.is_empty() && body.iter().all(u8::is_ascii_alphanumeric);
    let numeric = body.first() == Some(&b'#') && body.len() > 1;
    closed && (named || numeric)
}

/// tree-sitter stops a string at a NUL byte; `\x01` is as invalid as NUL outside a literal.
fn nul_bytes(bytes: &mut [u8]) -> bool {
    let mut changed = false;
    for b in bytes.iter_mut().filter(|b| **b == 0) {
        *b = 1;
        changed = true;
    }
    changed
}

/// `export type * from "./types"` (TypeScript 5.0): `type` is blanked.
fn export_type_star(bytes: &mut [u8], code: &[bool]) -> bool {
    let mut changed = false;
    for at in word_starts(bytes, code, b"export") {
        let Some(ty) = next_token(bytes, code, at + 6).filter(|&i| is_word_at(bytes, i, b"type"))
        else {
            continue;
        };
        if next_token(bytes, code, ty + 4).is_some_and(|i| bytes[i] == b'*') {
            blank(bytes, ty, ty + 4);
            changed = true;
        }
    }
    changed
}

/// A type argument list right after a name and before a template literal
/// (``prisma.$queryRaw<Row[]>`SELECT …` ``), or holding `import("…")` before a call
/// (`importOriginal<typeof import("./mod")>()`): blanked, the call stays.
fn type_arguments(bytes: &mut [u8], code: &[bool]) -> bool {
    let mut changed = false;
    let mut at = 0;
    while at < bytes.len() {
        let opens = bytes[at] == b'<'
            && code[at]
            && at > 0
            && (is_ident(bytes[at - 1]) || bytes[at - 1] == b'$');
        if !opens {
            at += 1;
            continue;
        }
        let Some(close) = matching_angle(bytes, code, at) else {
            at += 1;
            continue;
        };
        let next = bytes.get(close + 1).copied();
        let inner = &bytes[at..close];
        let holds_import = inner.windows(7).any(|w| w == b"import(");
        if next == Some(b'`') || (next == Some(b'(') && holds_import) {
            blank(bytes, at, close + 1);
            changed = true;
        }
        at = close + 1;
    }
    changed
}

/// `let entries: import("fs").Dirent[]`: the `[]` after an import type is blanked.
fn import_type_arrays(bytes: &mut [u8], code: &[bool]) -> bool {
    let mut changed = false;
    for at in word_starts(bytes, code, b"import") {
        let Some(open) = next_token(bytes, code, at + 6).filter(|&i| bytes[i] == b'(') else {
            continue;
        };
        let Some(close) = matching(bytes, code, open, b'(', b')') else {
            continue;
        };
        let mut end = close + 1;
        while bytes.get(end) == Some(&b'.') {
            end += 1;
            while bytes.get(end).is_some_and(|&b| is_ident(b)) {
                end += 1;
            }
        }
        if end > close + 1 && bytes.get(end..end + 2) == Some(b"[]") {
            blank(bytes, end, end + 2);
            changed = true;
        }
    }
    changed
}

/// `(string) => any`: a function type whose parameters are named like type keywords. The first
/// letter of each becomes `_` (a parameter name; its type stays `any`, as TypeScript reads it).
fn keyword_parameters(bytes: &mut [u8], code: &[bool]) -> bool {
    let mut changed = false;
    for open in 0..bytes.len() {
        if bytes[open] != b'(' || !code[open] {
            continue;
        }
        let mut names = Vec::new();
        let mut i = open + 1;
        let close = loop {
            let Some(start) = next_token(bytes, code, i) else {
                break None;
            };
            let Some(word) = TYPE_KEYWORDS
                .iter()
                .find(|w| is_word_at(bytes, start, w.as_bytes()))
            else {
                break None;
            };
            names.push(start);
            match next_token(bytes, code, start + word.len()) {
                Some(j) if bytes[j] == b',' => i = j + 1,
                Some(j) if bytes[j] == b')' => break Some(j),
                _ => break None,
            }
        };
        let arrow = close
            .and_then(|c| next_token(bytes, code, c + 1))
            .is_some_and(|j| bytes.get(j..j + 2) == Some(b"=>"));
        if arrow {
            for start in names {
                bytes[start] = b'_';
                changed = true;
            }
        }
    }
    changed
}

/// A call or construct signature on its own line after a member that ends without `;`:
///
/// ```ts
/// interface Each {
///   <T extends any[]>(cases: T): void
///   <T>(cases: T[]): void
/// }
/// ```
///
/// TypeScript separates members at the line break; the grammar reads `void <T …` as a
/// comparison. The indentation's last space becomes the `;`.
fn signature_separators(bytes: &mut [u8], code: &[bool]) -> bool {
    separate_lines(
        bytes,
        code,
        b'<',
        |p| is_ident(p) || matches!(p, b'>' | b')' | b']'),
        |bytes, code, at| {
            matching_angle(bytes, code, at).is_some_and(|c| bytes.get(c + 1) == Some(&b'('))
        },
    )
}

/// A line that starts with a name beginning `in` or `instanceof` and a `_`, `$` or digit
/// (`in_filters?: string[]`, `in_progress = true`) after a line that ends without `;`:
///
/// ```ts
/// type Query = {
///   having?: string | null
///   in_filters?: { [key: string]: string[] }
/// }
/// ```
///
/// The grammar's scanner inserts no semicolon before a line starting with the operator `in` or
/// `instanceof` (the expression may go on), and it takes `in_filters` for `in` followed by
/// `_filters`. TypeScript reads the name (two names in a row end a statement or a member).
/// The indentation's last space becomes the `;`.
fn in_prefixed_names(bytes: &mut [u8], code: &[bool]) -> bool {
    separate_lines(
        bytes,
        code,
        b'i',
        |p| is_ident(p) || matches!(p, b'>' | b')' | b']' | b'}' | b'"' | b'\'' | b'`'),
        |bytes, _, at| {
            let rest = &bytes[at..];
            let keyword = if rest.starts_with(b"instanceof") {
                "instanceof".len()
            } else if rest.starts_with(b"in") {
                2
            } else {
                return false;
            };
            rest.get(keyword)
                .is_some_and(|&c| c == b'_' || c == b'$' || c.is_ascii_digit())
        },
    )
}

/// Turns the indentation's last space into a `;` before each indented line of code that starts
/// with `first` and reads (`starts`) as the next member or statement, after a line whose last
/// significant byte `ends` one: the grammar would join the two lines where TypeScript does not.
fn separate_lines(
    bytes: &mut [u8],
    code: &[bool],
    first: u8,
    ends: impl Fn(u8) -> bool,
    starts: impl Fn(&[u8], &[bool], usize) -> bool,
) -> bool {
    let mut changed = false;
    let mut last_significant = None;
    for at in 0..bytes.len() {
        if !code[at] {
            continue;
        }
        let b = bytes[at];
        if b == first
            && at > 0
            && matches!(bytes[at - 1], b' ' | b'\t')
            && starts_line(bytes, at)
            && last_significant.is_some_and(&ends)
            && starts(bytes, code, at)
        {
            bytes[at - 1] = b';';
            changed = true;
        }
        if !b.is_ascii_whitespace() {
            last_significant = Some(b);
        }
    }
    changed
}

/// Is `at` the first non-blank byte of its line?
fn starts_line(bytes: &[u8], at: usize) -> bool {
    bytes[..at]
        .iter()
        .rev()
        .take_while(|&&b| b != b'\n')
        .all(|&b| b == b' ' || b == b'\t')
}

/// Which bytes are code (not inside a string, template text or comment). A rough lexer — regex
/// literals are read as code — which is enough for the shapes above: a file it misreads keeps
/// its first parse.
fn code_bytes(bytes: &[u8]) -> Vec<bool> {
    let mut code = vec![true; bytes.len()];
    // Open template literals, each with the brace depth of its current `${` substitution.
    let mut templates: Vec<usize> = Vec::new();
    let mut braces = 0usize;
    let mut i = 0;
    let mut in_template_text = false;
    while i < bytes.len() {
        if in_template_text {
            code[i] = false;
            match bytes[i] {
                b'\\' => {
                    if let Some(c) = code.get_mut(i + 1) {
                        *c = false;
                    }
                    i += 2;
                }
                b'`' => {
                    templates.pop();
                    in_template_text = false;
                    i += 1;
                }
                b'$' if bytes.get(i + 1) == Some(&b'{') => {
                    code[i + 1] = false;
                    braces += 1;
                    if let Some(depth) = templates.last_mut() {
                        *depth = braces;
                    }
                    in_template_text = false;
                    i += 2;
                }
                _ => i += 1,
            }
            continue;
        }
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = memchr_from(bytes, i, b'\n');
                code[i..end].fill(false);
                i = end;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let end = find_from(bytes, i + 2, b"*/").map_or(bytes.len(), |e| e + 2);
                code[i..end].fill(false);
                i = end;
            }
            quote @ (b'"' | b'\'') => {
                let mut j = i + 1;
                while j < bytes.len() && bytes[j] != quote && bytes[j] != b'\n' {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                let end = (j + 1).min(bytes.len());
                code[i..end].fill(false);
                i = end;
            }
            b'`' => {
                code[i] = false;
                templates.push(usize::MAX);
                in_template_text = true;
                i += 1;
            }
            b'{' => {
                braces += 1;
                i += 1;
            }
            b'}' => {
                if templates.last() == Some(&braces) {
                    code[i] = false;
                    in_template_text = true;
                }
                braces = braces.saturating_sub(1);
                i += 1;
            }
            _ => i += 1,
        }
    }
    code
}

fn memchr_from(bytes: &[u8], from: usize, needle: u8) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == needle)
        .map_or(bytes.len(), |p| from + p)
}

fn find_from(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

fn is_word_at(bytes: &[u8], at: usize, word: &[u8]) -> bool {
    bytes.get(at..at + word.len()) == Some(word)
        && !bytes.get(at + word.len()).is_some_and(|&b| is_ident(b))
        && (at == 0 || !is_ident(bytes[at - 1]))
}

/// Where `word` starts as a whole word in code.
fn word_starts(bytes: &[u8], code: &[bool], word: &[u8]) -> Vec<usize> {
    (0..bytes.len())
        .filter(|&i| code[i] && bytes[i] == word[0] && is_word_at(bytes, i, word))
        .collect()
}

/// The next code byte at or after `from` that is not whitespace.
fn next_token(bytes: &[u8], code: &[bool], from: usize) -> Option<usize> {
    (from..bytes.len()).find(|&i| code[i] && !bytes[i].is_ascii_whitespace())
}

/// The `>` closing the `<` at `open`, across nested `<>`, `()`, `[]` and `{}` (`=>` is not a
/// closer); `None` when something else closes first (`a < b && c`) or a `;` comes.
fn matching_angle(bytes: &[u8], code: &[bool], open: usize) -> Option<usize> {
    let mut stack: Vec<u8> = Vec::new();
    for i in open..bytes.len().min(open + 4096) {
        if !code[i] {
            continue;
        }
        match bytes[i] {
            b'<' => stack.push(b'>'),
            b'(' => stack.push(b')'),
            b'[' => stack.push(b']'),
            b'{' => stack.push(b'}'),
            b'>' if bytes[i - 1] == b'=' => {}
            close @ (b'>' | b')' | b']' | b'}') => {
                if stack.pop() != Some(close) {
                    return None;
                }
                if stack.is_empty() {
                    return Some(i);
                }
            }
            // A statement ends here, unless inside a type literal (`<{ id: string; }[]>`).
            b';' if !stack.contains(&b'}') => return None,
            _ => {}
        }
    }
    None
}

/// The byte closing the bracket at `open`.
fn matching(bytes: &[u8], code: &[bool], open: usize, left: u8, right: u8) -> Option<usize> {
    let mut depth = 0usize;
    for i in open..bytes.len() {
        if !code[i] {
            continue;
        }
        if bytes[i] == left {
            depth += 1;
        } else if bytes[i] == right {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// Spaces over `start..end`, newlines kept.
fn blank(bytes: &mut [u8], start: usize, end: usize) {
    for b in &mut bytes[start..end] {
        if *b != b'\n' && *b != b'\r' {
            *b = b' ';
        }
    }
}
