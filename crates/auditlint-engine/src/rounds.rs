//! The prefilter rounds after the first: which files not parsed yet could call a writer or
//! producer found so far. Each round looks only for what no earlier round looked for, and errs
//! on the side of parsing: a file it passes may not matter, a file it rejects cannot (the
//! corpus run compares the findings with and without it; `bench/corpus/README.md`).

use std::collections::HashSet;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use auditlint_core::index::{ModuleReach, RoundNames, receiver_names_class};

/// The names earlier rounds looked for, by kind.
#[derive(Default)]
pub(crate) struct Seen {
    words: HashSet<String>,
    modules: HashSet<(String, ModuleReach)>,
    methods: HashSet<(String, Option<String>)>,
    imported: HashSet<String>,
    /// What earlier rounds looked for in Go files only.
    go: Option<Box<Seen>>,
}

impl Seen {
    /// The first round's literals count as looked for.
    pub(crate) fn new(literals: &[String]) -> Self {
        Self {
            words: literals.iter().cloned().collect(),
            ..Self::default()
        }
    }
}

/// A later prefilter round: what [`RoundNames`] asks for that no earlier round looked for.
/// Like the first round it errs on the side of parsing: a file it passes may not matter, a
/// file it rejects cannot.
pub(crate) struct RoundPrefilter {
    /// Whole identifiers, in every file.
    words: Option<Names>,
    /// Module and method names as whole identifiers, in Rust files (Go and scripts use
    /// `methods`).
    rust_words: Option<Names>,
    /// Module names inside module specifiers, in scripts; `module_reach[pattern]` says whether a
    /// default import reaches the writer or only a namespace import does.
    modules: Option<Names>,
    module_reach: Vec<ModuleReach>,
    /// Function and method names, in scripts; `method_needs[pattern]` says which of their
    /// occurrences count.
    methods: Option<Names>,
    method_needs: Vec<MethodNeed>,
    /// Every class of `method_classes`, as whole identifiers; `classes[pattern]` is its name.
    class_words: Option<Names>,
    classes: Vec<String>,
    /// What the round looks for, for `AUDITLINT_TRACE`.
    described: String,
    /// What only Go files look for ([`RoundNames::go_words`], [`RoundNames::go_methods`]),
    /// judged like scripts' words and methods.
    go: Option<Box<RoundPrefilter>>,
    /// Go packages (directories) whose every Go file is parsed ([`RoundNames::go_dirs`]).
    go_dirs: HashSet<String>,
    /// One of its automata could not be built: it passes every file.
    unbuilt: bool,
}

impl std::fmt::Debug for RoundPrefilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.described)
    }
}

impl RoundPrefilter {
    /// `None` when `names` holds nothing new: the rounds are over.
    pub(crate) fn new(names: &RoundNames, seen: &mut Seen) -> Option<Self> {
        let go_names = RoundNames {
            words: names.go_words.clone(),
            methods: names.go_methods.clone(),
            ..RoundNames::default()
        };
        let go_seen = seen.go.get_or_insert_with(Box::default);
        let go_dirs: HashSet<String> = names
            .go_dirs
            .iter()
            .filter(|d| go_seen.modules.insert(((*d).clone(), ModuleReach::Default)))
            .cloned()
            .collect();
        let go = (!go_names.words.is_empty() || !go_names.methods.is_empty())
            .then(|| Self::new_one(&go_names, go_seen))
            .flatten()
            .map(Box::new);
        let main = match Self::new_one(names, seen) {
            Some(mut main) => {
                if let Some(go) = &go {
                    main.described
                        .push_str(&format!("; in Go files: {}", go.described));
                }
                main.go = go;
                Some(main)
            }
            None => go.map(|go| {
                let mut only_go = Self::empty();
                only_go.described = format!("in Go files: {}", go.described);
                only_go.go = Some(go);
                only_go
            }),
        };
        if go_dirs.is_empty() {
            return main;
        }
        let mut main = main.unwrap_or_else(Self::empty);
        let mut dirs: Vec<&String> = go_dirs.iter().collect();
        dirs.sort();
        main.described.push_str(&format!("; Go packages {dirs:?}"));
        main.go_dirs = go_dirs;
        Some(main)
    }

    fn empty() -> Self {
        Self {
            words: None,
            rust_words: None,
            modules: None,
            module_reach: Vec::new(),
            methods: None,
            method_needs: Vec::new(),
            class_words: None,
            classes: Vec::new(),
            described: String::new(),
            go: None,
            go_dirs: HashSet::new(),
            unbuilt: false,
        }
    }

    fn new_one(names: &RoundNames, seen: &mut Seen) -> Option<Self> {
        let mut words: Vec<String> = names
            .words
            .iter()
            .filter(|w| seen.words.insert((*w).clone()))
            .cloned()
            .collect();
        let mut modules: Vec<(String, ModuleReach)> = names
            .modules
            .iter()
            .filter(|(m, reach)| seen.modules.insert(((*m).clone(), **reach)))
            .map(|(m, reach)| (m.clone(), *reach))
            .collect();
        let mut methods: Vec<(String, MethodNeed)> = names
            .methods
            .iter()
            .filter_map(|(method, reach)| {
                // Plain occurrences: all of them, or imports only (class methods).
                let plain = if reach.by_name {
                    seen.methods
                        .insert((method.clone(), None))
                        .then_some(Plain::Any)
                } else {
                    seen.imported
                        .insert(method.clone())
                        .then_some(Plain::Import)
                };
                let classes: Vec<String> = reach
                    .classes
                    .iter()
                    .filter(|c| seen.methods.insert((method.clone(), Some((*c).clone()))))
                    .cloned()
                    .collect();
                (plain.is_some() || !classes.is_empty())
                    .then(|| (method.clone(), MethodNeed { plain, classes }))
            })
            .collect();
        if words.is_empty() && modules.is_empty() && methods.is_empty() {
            return None;
        }
        words.sort();
        modules.sort();
        methods.sort_by(|a, b| a.0.cmp(&b.0));
        let rust_words: Vec<&String> = words
            .iter()
            .chain(modules.iter().map(|(m, _)| m))
            .chain(methods.iter().map(|(m, _)| m))
            .collect();
        let mut classes: Vec<String> = methods
            .iter()
            .flat_map(|(_, need)| need.classes.clone())
            .collect();
        classes.sort();
        classes.dedup();
        // An automaton that cannot be built (a size limit) would look for nothing: the round
        // then passes every file rather than skip the ones it would have found.
        let mut unbuilt = false;
        let words_ac = built(&words, &mut unbuilt);
        let rust_ac = built(&rust_words, &mut unbuilt);
        let modules_ac = built(
            &modules.iter().map(|(m, _)| m).collect::<Vec<_>>(),
            &mut unbuilt,
        );
        let methods_ac = built(
            &methods.iter().map(|(m, _)| m).collect::<Vec<_>>(),
            &mut unbuilt,
        );
        let classes_ac = built(&classes, &mut unbuilt);
        Some(Self {
            words: words_ac,
            rust_words: rust_ac,
            modules: modules_ac,
            module_reach: modules.iter().map(|(_, r)| *r).collect(),
            methods: methods_ac,
            method_needs: methods.iter().map(|(_, need)| need.clone()).collect(),
            class_words: classes_ac,
            classes,
            described: format!(
                "words {words:?}, modules {modules:?}, methods {methods:?}{}",
                if unbuilt {
                    " (an automaton could not be built: every file passes)"
                } else {
                    ""
                }
            ),
            go: None,
            go_dirs: HashSet::new(),
            unbuilt,
        })
    }

    pub(crate) fn matches(&self, path: &str, text: &str) -> bool {
        if self.unbuilt {
            return true;
        }
        if path.ends_with(".go") {
            // Go code calls Go writers (looked for as scripts look for theirs) and names the
            // language-neutral words (flag types); the other languages' writers are not its.
            let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
            return self.go_dirs.contains(dir)
                || self
                    .go
                    .as_ref()
                    .is_some_and(|go| go.matches_here(path, text))
                || self.words.as_ref().is_some_and(|ac| any_word(ac, text));
        }
        self.matches_here(path, text)
    }

    fn matches_here(&self, path: &str, text: &str) -> bool {
        let bytes = text.as_bytes();
        // Module specifiers, imports and classes are the scripts' ways of reaching a writer, and
        // classes Python's (its member calls read like a script's); Go reaches a method through
        // its receiver's type, as scripts do (see `auditlint_core::index` `go` round names); Rust
        // looks for every name as a word.
        let script = auditlint_ts::language_of(path).is_some();
        if !script && !auditlint_python::is_python(path) && !path.ends_with(".go") {
            return [&self.words, &self.rust_words]
                .into_iter()
                .flatten()
                .any(|ac| any_word(ac, text));
        }
        // A name on a comment line calls nothing, nor does a script's name between two words
        // (prose in a string, a comment after code, JSX text: `the write is`).
        let in_code = |m: &Found| {
            word_bounded(bytes, m.start, m.end)
                && !on_comment_line(bytes, m.start)
                && !(script && between_words(bytes, m.start, m.end))
        };
        if self
            .words
            .as_ref()
            .is_some_and(|ac| ac.find_iter(text).any(|m| in_code(&m)))
        {
            return true;
        }
        // `from "./purge"`, `require('../purge/index.js')`, `"@/lib/purge"`.
        let in_specifier = |m: &Found| {
            let before = m.start.checked_sub(1).map(|i| bytes[i]);
            let after = bytes.get(m.end).copied();
            before.is_some_and(|b| b"/\"'`@~#:".contains(&b))
                && after.is_some_and(|b| b"\"'`./".contains(&b))
        };
        if self.modules.as_ref().is_some_and(|ac| {
            ac.find_iter(text).any(|m| {
                in_specifier(&m)
                    && match self.module_reach[m.pattern] {
                        ModuleReach::Default => true,
                        ModuleReach::Namespace => namespace_specifier(bytes, m.start),
                    }
            })
        }) {
            return true;
        }
        let Some(methods) = &self.methods else {
            return false;
        };
        // Member calls whose receiver does not name the class need the class named elsewhere in
        // the file (`svc: AuditService`, `new AuditService()`).
        let mut wanted: Vec<&str> = Vec::new();
        for m in methods.find_iter(text) {
            if !in_code(&m) || script && quoted_alone(bytes, m.start, m.end) {
                continue;
            }
            let need = &self.method_needs[m.pattern];
            let classes = &need.classes;
            match receiver_before(bytes, m.start) {
                Receiver::NotMember => match need.plain {
                    Some(Plain::Any) => return true,
                    Some(Plain::Import)
                        if imported_name(bytes, m.end)
                            && (!script || in_import_braces(bytes, m.start)) =>
                    {
                        return true;
                    }
                    _ => continue,
                },
                Receiver::Named(receiver) => {
                    if classes.iter().any(|c| receiver_names_class(receiver, c)) {
                        return true;
                    }
                }
                Receiver::Expression => {}
                Receiver::Unknown => return true,
            }
            wanted.extend(classes.iter().map(String::as_str));
        }
        !wanted.is_empty()
            && self.class_words.as_ref().is_some_and(|ac| {
                ac.find_iter(text)
                    .any(|m| in_code(&m) && wanted.contains(&self.classes[m.pattern].as_str()))
            })
    }
}

/// Is the name at `start..end` a whole string literal (`"postArchetype"`, `'create'`), and not
/// a computed member's key (`api["create"](..)`)? Such a string names the function (an OpenAPI
/// `operationId`, a route's label) but calls nothing the index could follow.
fn quoted_alone(bytes: &[u8], start: usize, end: usize) -> bool {
    let (Some(open), Some(&close)) = (start.checked_sub(1), bytes.get(end)) else {
        return false;
    };
    if !matches!(close, b'"' | b'\'' | b'`') || bytes[open] != close {
        return false;
    }
    let bracket = skip_space_back(bytes, open);
    if bracket == 0 || bytes[bracket - 1] != b'[' {
        return true;
    }
    // `x["create"]`, `f()["create"]`, `a?.["create"]`: a member; `["create"]` after `=`, `(`
    // or `,` is an array's element.
    let object = skip_space_back(bytes, bracket - 1);
    !(object > 0 && (is_ident(bytes[object - 1]) || b")].".contains(&bytes[object - 1])))
}

/// Which occurrences of a function's name count, for one round.
#[derive(Debug, Clone)]
struct MethodNeed {
    /// Outside member expressions: any, imports only, or none (looked for before).
    plain: Option<Plain>,
    /// Member calls: those on a receiver named after one of these, or in a file naming one.
    classes: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
enum Plain {
    Any,
    Import,
}

/// Is the name ending at `end` imported (`{ create }`, `{ create, x }`, `{ create as c }`)?
fn imported_name(bytes: &[u8], end: usize) -> bool {
    let rest = &bytes[end..];
    let at = rest
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(rest.len());
    let rest = &rest[at..];
    matches!(rest.first(), Some(b',' | b'}'))
        || (rest.starts_with(b"as") && rest.get(2).is_some_and(|b| b.is_ascii_whitespace()))
}

/// Is a script's name at `start` inside the braces of an import or export (`import { create }
/// from`, `import Model, { create } from`, `export { create }`), or of a declaration's pattern
/// (`const { create } = require(..)`, `export default { create }`)? Not an object literal's
/// shorthand (`{ read, update }`, `fn({ create })`, `return { create }`): growthbook's second
/// round parsed a dozen files for such a `create` or `update`. When unsure (a string or a
/// comment inside the braces), it is.
fn in_import_braces(bytes: &[u8], start: usize) -> bool {
    let floor = start.saturating_sub(16 * 1024);
    let mut at = start;
    loop {
        if at <= floor {
            return true;
        }
        match bytes[at - 1] {
            b'{' => break,
            b',' => {}
            b'"' | b'\'' | b'`' | b'/' | b'*' => return true,
            b if is_ident(b) || b.is_ascii_whitespace() => {}
            _ => return false,
        }
        at -= 1;
    }
    let before = skip_space_back(bytes, at - 1);
    match word_before(bytes, before) {
        b"import" | b"export" | b"type" | b"const" | b"let" | b"var" | b"default" => true,
        // `import Model, { create }`.
        b"" if before > 0 && bytes[before - 1] == b',' => {
            let default_end = skip_space_back(bytes, before - 1);
            let default_start = skip_ident_back(bytes, default_end);
            default_start < default_end
                && word_before(bytes, skip_space_back(bytes, default_start)) == b"import"
        }
        _ => false,
    }
}

enum Receiver<'t> {
    NotMember,
    Named(&'t str),
    Expression,
    Unknown,
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// Does the line around `at` start with a comment (`//`, `/*`, or ` * ` inside a block
/// comment) that is still open at `at` (code may follow a `*/`)? Only then is a name there
/// surely not code.
pub(crate) fn on_comment_line(bytes: &[u8], at: usize) -> bool {
    let start = bytes[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line = &bytes[start..at];
    let first = line.iter().position(|b| !b.is_ascii_whitespace());
    let Some(first) = first else {
        return false;
    };
    let rest = &line[first..];
    if rest.starts_with(b"//") {
        return true;
    }
    (rest.starts_with(b"/*") || rest.starts_with(b"* ") || rest == b"*")
        && !rest.windows(2).any(|pair| pair == b"*/")
}

/// Is the identifier at `start..end` of a script between two words on its line (`the write
/// is`, `disabled write readOnly`)? Two identifiers next to each other are not JavaScript or
/// TypeScript code unless the first is a keyword (`return write(..)`, `typeof write`, `x is
/// write`) or the second an operator word (`write as Writer`, `write in x`), so such a name is
/// prose — in a string, a comment after code, JSX text — or a JSX attribute's name: it calls
/// nothing. Only the same line counts (a statement may end at a line break). Every keyword
/// and contextual keyword is listed before a name: a word missing there would only make a name
/// count.
pub(crate) fn between_words(bytes: &[u8], start: usize, end: usize) -> bool {
    const BEFORE: [&[u8]; 68] = [
        b"abstract",
        b"accessor",
        b"as",
        b"asserts",
        b"async",
        b"await",
        b"break",
        b"case",
        b"catch",
        b"class",
        b"const",
        b"continue",
        b"debugger",
        b"declare",
        b"default",
        b"delete",
        b"do",
        b"else",
        b"enum",
        b"export",
        b"extends",
        b"false",
        b"finally",
        b"for",
        b"from",
        b"function",
        b"get",
        b"global",
        b"if",
        b"implements",
        b"import",
        b"in",
        b"infer",
        b"instanceof",
        b"interface",
        b"is",
        b"keyof",
        b"let",
        b"module",
        b"namespace",
        b"new",
        b"null",
        b"of",
        b"out",
        b"override",
        b"package",
        b"private",
        b"protected",
        b"public",
        b"readonly",
        b"return",
        b"satisfies",
        b"set",
        b"static",
        b"super",
        b"switch",
        b"this",
        b"throw",
        b"true",
        b"try",
        b"type",
        b"typeof",
        b"unique",
        b"var",
        b"void",
        b"while",
        b"with",
        b"yield",
    ];
    /// The words that may follow a name in an expression.
    const AFTER: [&[u8]; 5] = [b"as", b"in", b"instanceof", b"of", b"satisfies"];
    // Blanks only: a line break may end a statement.
    let is_space = |b: u8| b == b' ' || b == b'\t';
    let mut before = start;
    while before > 0 && is_space(bytes[before - 1]) {
        before -= 1;
    }
    let previous = word_before(bytes, before);
    let mut after = end;
    while after < bytes.len() && is_space(bytes[after]) {
        after += 1;
    }
    let word_start = after;
    while after < bytes.len() && is_ident(bytes[after]) {
        after += 1;
    }
    let next = &bytes[word_start..after];
    let plain = |w: &[u8], keywords: &[&[u8]]| {
        w.first().is_some_and(|b| !b.is_ascii_digit()) && !keywords.contains(&w)
    };
    plain(previous, &BEFORE) && plain(next, &AFTER)
}

fn word_bounded(bytes: &[u8], start: usize, end: usize) -> bool {
    let before = start.checked_sub(1).map(|i| bytes[i]);
    let after = bytes.get(end).copied();
    !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
}

/// What a name at `start` is a member of: `auditService.create`, `svc?.create`, `x!.create`.
fn receiver_before(bytes: &[u8], start: usize) -> Receiver<'_> {
    let mut at = skip_space_back(bytes, start);
    if at == 0 || bytes[at - 1] != b'.' {
        return Receiver::NotMember;
    }
    at -= 1;
    if at > 0 && bytes[at - 1] == b'.' {
        // `...create`: a spread, not a member.
        return Receiver::NotMember;
    }
    if at > 0 && bytes[at - 1] == b'?' {
        at -= 1;
    }
    at = skip_space_back(bytes, at);
    while at > 0 && bytes[at - 1] == b'!' {
        at -= 1;
    }
    let end = at;
    let name = word_before(bytes, end);
    if !name.is_empty() {
        return std::str::from_utf8(name).map_or(Receiver::Unknown, Receiver::Named);
    }
    match end.checked_sub(1).map(|i| bytes[i]) {
        // `foo().create`: the callee holds a call and resolves by no name. `(svc as
        // AuditService).create` is `svc.create` to the front end: only a call counts.
        Some(b')') if is_call_before(bytes, end - 1) => Receiver::Expression,
        // `list[0].create`, but not `deps["auditService"].create` (`deps.auditService.create`).
        Some(b']') if end >= 2 && !b"\"'`".contains(&bytes[end - 2]) => Receiver::Expression,
        _ => Receiver::Unknown,
    }
}

/// Is the `)` at `close` the end of a call's arguments (rather than of a parenthesised
/// expression)? Looks back at most a few kilobytes; when unsure, it is not.
fn is_call_before(bytes: &[u8], close: usize) -> bool {
    let floor = close.saturating_sub(4096);
    let mut depth = 0usize;
    let mut at = close + 1;
    while at > floor {
        at -= 1;
        match bytes[at] {
            b')' => depth += 1,
            b'(' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
    }
    if depth != 0 {
        return false;
    }
    let end = skip_space_back(bytes, at);
    let word = word_before(bytes, end);
    if !word.is_empty() {
        const KEYWORDS: [&[u8]; 12] = [
            b"return", b"await", b"typeof", b"void", b"in", b"of", b"case", b"yield", b"new",
            b"delete", b"throw", b"else",
        ];
        return !KEYWORDS.contains(&word);
    }
    end > 0 && matches!(bytes[end - 1], b')' | b']' | b'>')
}

/// Is the module specifier around `at` (a module name inside it) one a namespace reaches
/// through: `import * as audit from "./audit"`, `export * from "./audit"` (a barrel),
/// `require("./audit")`, `import("./audit")`, `import a = require("./audit")`? Not a named
/// import (`import { log } from "./audit"`, the writer is then looked for by its name), nor a
/// string that is no specifier. Each specifier is judged by its own statement: growthbook's
/// second round parsed a dozen files that import a writer's module by name and something else
/// by namespace. When the statement cannot be found, the specifier counts.
fn namespace_specifier(bytes: &[u8], at: usize) -> bool {
    let Some(quote) = bytes[..at]
        .iter()
        .rposition(|b| matches!(b, b'"' | b'\'' | b'`' | b'\n'))
        .filter(|&q| bytes[q] != b'\n')
    else {
        return true;
    };
    let before = skip_space_back(bytes, quote);
    if before > 0 && bytes[before - 1] == b'(' {
        let word = word_before(bytes, skip_space_back(bytes, before - 1));
        return word == b"require" || word == b"import";
    }
    if word_before(bytes, before) != b"from" {
        return false;
    }
    // The clause between the statement's `import` or `export` and `from`.
    let from = before - b"from".len();
    let floor = from.saturating_sub(16 * 1024);
    let mut end = from;
    while end > floor {
        let start = skip_ident_back(bytes, end);
        let word = &bytes[start..end];
        if start < end && (word == b"import" || word == b"export") {
            return bytes[end..from].contains(&b'*');
        }
        end = if start < end { start } else { end - 1 };
    }
    true
}

/// Is the match at `start..end` of a script inside an ESM import statement: its clause
/// (`import type { AuditRow } from "./types"`) or its specifier (`import x from "./audit"`,
/// `import "./audit"`)? A file whose every literal is there names no sink in code: what it
/// imports under that name it never uses by that name. The first round passes such a file over;
/// the later rounds look for the ways it can still reach a writer — a default or namespace
/// import of the writer's module, an import under another name (`{ insertAudit as log }`), an
/// aliased table object. `export .. from` (a barrel), `import x = require(..)` and `import(..)`
/// are not such statements; when the statement cannot be read (a comment inside it), it is not
/// one either.
pub(crate) fn in_import_statement(bytes: &[u8], start: usize, end: usize) -> bool {
    let line_start = bytes[..start]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line_end = bytes[end..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| end + i);
    // The specifier: a quoted path on this line, with no space in it.
    let opening = bytes[line_start..start]
        .iter()
        .rposition(|&b| b == b'"' || b == b'\'')
        .map(|i| line_start + i);
    if let Some(opening) = opening {
        let quote = bytes[opening];
        let closing = bytes[end..line_end]
            .iter()
            .position(|&b| b == quote)
            .map(|i| end + i);
        if let Some(closing) = closing
            && !bytes[opening + 1..closing]
                .iter()
                .any(|&b| b.is_ascii_whitespace() || b == b';')
        {
            let before = skip_space_back(bytes, opening);
            return match word_before(bytes, before) {
                b"import" => true,
                b"from" => import_clause_before(bytes, before - b"from".len()),
                _ => false,
            };
        }
    }
    // The clause: names, braces, commas, `* as`, `type`, then `from` and the specifier.
    let ceiling = (end + 16 * 1024).min(bytes.len());
    let Some(after) = bytes[end..ceiling].iter().position(|&b| !is_clause(b)) else {
        return false;
    };
    let after = end + after;
    matches!(bytes[after], b'"' | b'\'')
        && word_before(bytes, skip_space_back(bytes, after)) == b"from"
        && import_clause_before(bytes, skip_ident_back(bytes, start))
}

/// Does an import clause end at `at` (the start of `from`, or of a name in the clause): names,
/// braces, commas and `*` back to the statement's `import`?
fn import_clause_before(bytes: &[u8], at: usize) -> bool {
    let floor = at.saturating_sub(16 * 1024);
    let mut first = at;
    while first > floor && is_clause(bytes[first - 1]) {
        first -= 1;
    }
    if first == floor && floor > 0 {
        return false;
    }
    while first < at && bytes[first].is_ascii_whitespace() {
        first += 1;
    }
    bytes[first..].starts_with(b"import") && bytes.get(first + 6).is_some_and(|&b| !is_ident(b))
}

/// A byte of an import clause: names, `type`, `as`, braces, commas, `*`, blanks.
fn is_clause(b: u8) -> bool {
    is_ident(b) || b.is_ascii_whitespace() || matches!(b, b',' | b'{' | b'}' | b'*')
}

fn skip_space_back(bytes: &[u8], mut at: usize) -> usize {
    while at > 0 && bytes[at - 1].is_ascii_whitespace() {
        at -= 1;
    }
    at
}

fn skip_ident_back(bytes: &[u8], mut at: usize) -> usize {
    while at > 0 && is_ident(bytes[at - 1]) {
        at -= 1;
    }
    at
}

/// The identifier ending at `end`, if any (empty otherwise).
fn word_before(bytes: &[u8], end: usize) -> &[u8] {
    &bytes[skip_ident_back(bytes, end)..end]
}

/// [`automaton`], noting in `unbuilt` when it could not be built.
fn built<S: AsRef<[u8]>>(patterns: &[S], unbuilt: &mut bool) -> Option<Names> {
    automaton(patterns).unwrap_or_else(|_| {
        *unbuilt = true;
        None
    })
}

/// `None` when there is nothing to look for.
fn automaton<S: AsRef<[u8]>>(patterns: &[S]) -> Result<Option<Names>, aho_corasick::BuildError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let parts = patterns
        .chunks(PACKED_MAX)
        .enumerate()
        .map(|(i, chunk)| {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build(chunk)
                .map(|ac| (ac, i * PACKED_MAX))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(Names { parts }))
}

/// The most names one automaton holds: aho-corasick's SIMD searcher (Teddy) takes at most 64
/// patterns; with more, a search steps a DFA through every byte. growthbook's second round looks
/// for 82 method names: over its 29 MB of scripts one automaton took 47 ms, 64 names 12 ms.
const PACKED_MAX: usize = 64;

/// Names looked for in a file's text, as automata of at most [`PACKED_MAX`] names. Every check
/// of a match reads whole identifiers (or a specifier's bounds), so splitting the names changes
/// no verdict: a longer name that would hide a shorter one at the same place leaves the shorter
/// one unbounded by an identifier character.
struct Names {
    /// Each automaton, with the index of its first name among all.
    parts: Vec<(AhoCorasick, usize)>,
}

/// One occurrence of a name: its index among all names, and where it is.
struct Found {
    pattern: usize,
    start: usize,
    end: usize,
}

impl Names {
    fn find_iter<'t>(&'t self, text: &'t str) -> impl Iterator<Item = Found> + 't {
        self.parts.iter().flat_map(move |(ac, first)| {
            ac.find_iter(text).map(move |m| Found {
                pattern: first + m.pattern().as_usize(),
                start: m.start(),
                end: m.end(),
            })
        })
    }
}

fn any_word(names: &Names, text: &str) -> bool {
    let bytes = text.as_bytes();
    names
        .find_iter(text)
        .any(|m| word_bounded(bytes, m.start, m.end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use auditlint_core::index::Reach;

    fn round(build: impl FnOnce(&mut RoundNames)) -> RoundPrefilter {
        let mut names = RoundNames::default();
        build(&mut names);
        RoundPrefilter::new(&names, &mut Seen::new(&[])).expect("something new")
    }

    fn method(names: &mut RoundNames, name: &str, by_name: bool, classes: &[&str]) {
        names.methods.insert(
            name.into(),
            Reach {
                by_name,
                classes: classes.iter().map(|c| (*c).to_string()).collect(),
            },
        );
    }

    /// A Python writer nested in another function (a decorator's inner function) is a local
    /// name: it is no word for the next round, a top-level writer is.
    #[test]
    fn a_nested_python_writer_is_no_round_word() {
        let src = "def log_action(db, action):\n    db.execute(\"INSERT INTO audit_log (action) VALUES (?)\", (action,))\n\n\ndef audited(action):\n    def decorator(fn):\n        def wrapper(db, *args):\n            db.execute(\"INSERT INTO audit_log (action) VALUES (?)\", (action,))\n            return fn(db, *args)\n        return wrapper\n    return decorator\n";
        let facts = auditlint_python::extract(src).expect("parses");
        let files = vec![auditlint_core::index::ProjectFile {
            path: "app/audit.py".into(),
            facts: std::sync::Arc::new(facts),
        }];
        let known = auditlint_rules::rule_ids();
        let config = auditlint_core::Config::defaults(&known);
        let resolver = auditlint_core::resolve::Resolver::default();
        let index = auditlint_core::index::Index::build(&files, &config.vocab, &resolver);
        let names = index.writer_names();
        assert!(names.words.contains("log_action"), "{:?}", names.words);
        assert!(
            !names.words.contains("wrapper") && !names.words.contains("decorator"),
            "{:?}",
            names.words
        );
    }

    #[test]
    fn words_count_outside_comment_lines_in_scripts_and_anywhere_in_rust() {
        let r = round(|n| {
            n.words.insert("insertAudit".into());
        });
        assert!(r.matches("a.ts", "await insertAudit(db, row);"));
        assert!(!r.matches("a.ts", "await insertAuditRow(db, row);"));
        assert!(!r.matches("a.ts", "  // insertAudit(db, row) was here\n"));
        assert!(!r.matches("a.ts", "/**\n * Calls insertAudit.\n */\n"));
        assert!(r.matches("a.ts", "x(); // then insertAudit\n"));
        assert!(r.matches("a.rs", "// insertAudit\n"));
    }

    /// A receiver names its class by the class's name without a `Class` or `Impl` suffix
    /// (growthbook's `context: ReqContext`, where `type ReqContext = ReqContextClass`).
    #[test]
    fn a_receiver_names_a_class_without_its_class_or_impl_suffix() {
        for (receiver, class) in [
            ("auditService", "AuditService"),
            ("audit_service", "AuditService"),
            ("context", "ReqContextClass"),
            ("reqContext", "ReqContextClass"),
            ("auditService", "AuditServiceImpl"),
            ("class", "Class"),
        ] {
            assert!(receiver_names_class(receiver, class), "{receiver} {class}");
        }
        for (receiver, class) in [
            ("svc", "AuditService"),
            ("contextClass", "ReqContext"),
            ("impl", "AuditServiceImpl"),
        ] {
            assert!(!receiver_names_class(receiver, class), "{receiver} {class}");
        }
        let r = round(|n| method(n, "auditLog", false, &["ReqContextClass"]));
        assert!(r.matches("a.ts", "await context.auditLog({ event });"));
        assert!(!r.matches("a.ts", "await job.auditLog({ event });"));
    }

    #[test]
    fn a_class_method_needs_its_class_named_or_a_receiver_named_after_it() {
        let r = round(|n| method(n, "create", false, &["AuditService"]));
        assert!(r.matches("a.ts", "await this.auditService.create(row);"));
        assert!(r.matches("a.ts", "await audit_service?.create(row);"));
        assert!(r.matches("a.ts", "await auditService!\n  .create(row);"));
        assert!(!r.matches("a.ts", "await svc.create(row);"));
        assert!(r.matches(
            "a.ts",
            "constructor(private svc: AuditService) {}\nsvc.create(row);"
        ));
        // The class named, but the method never called on a member.
        assert!(!r.matches("a.ts", "import { AuditService } from './x';"));
        // The class named in a comment or in prose only.
        for prose in [
            "svc.create(row);\n// the AuditService writes the row\n",
            "svc.create(row); // as the AuditService does\n",
            "svc.create(row);\nconst help = \"see the AuditService docs\";\n",
        ] {
            assert!(!r.matches("a.ts", prose), "{prose}");
        }
        // Its module's specifier names it (`MakeModelClass` from "./AuditService").
        assert!(r.matches(
            "a.ts",
            "import { make } from \"./AuditService\";\nsvc.create(row);"
        ));
        // A call's result, or an element: no name resolves them.
        assert!(!r.matches("a.ts", "factory().create(row); list[0].create(row);"));
        // Parentheses around a receiver are not a call: `(svc as AuditService).create`.
        assert!(r.matches("a.ts", "return (svc as X).create(row);"));
        assert!(r.matches("a.ts", "deps[\"svc\"].create(row);"));
        // Plain occurrences: only imports reach a method.
        assert!(!r.matches(
            "a.ts",
            "const mode = \"create\"; // create\nlet create = 1;"
        ));
        assert!(r.matches("a.ts", "import { create } from \"./models\";"));
        assert!(r.matches("a.ts", "import { x, create as make } from \"./models\";"));
        assert!(r.matches("a.ts", "import Model, { create } from \"./models\";"));
        assert!(r.matches(
            "a.ts",
            "import {\n  type X,\n  create,\n} from \"./models\";"
        ));
        assert!(r.matches("a.ts", "export { create } from \"./models\";"));
        assert!(r.matches("a.js", "const { x, create } = require(\"./models\");"));
        assert!(r.matches(
            "a.ts",
            "import { /* the writer */ create } from \"./models\";"
        ));
        // An object literal's shorthand is no import.
        for literal in [
            "const perms = { read, create };",
            "save({ create, update });",
            "return { create };",
            "const all = [{ create }];",
        ] {
            assert!(!r.matches("a.ts", literal), "{literal}");
        }
        // Python imports have no braces.
        assert!(r.matches("a.py", "from models import create, x\n"));
        assert!(r.matches("a.rs", "let create = 1;"));
    }

    #[test]
    fn a_python_method_needs_its_class_named_or_a_receiver_named_after_it() {
        let r = round(|n| method(n, "perform_create", false, &["MetricViewSet"]));
        // Every viewset has its own `perform_create`: neither a definition nor `self.` calls
        // in another file reach this one.
        assert!(!r.matches(
            "views.py",
            "def perform_create(self, serializer):\n    self.perform_create(serializer)\n"
        ));
        assert!(r.matches("a.py", "metric_view_set.perform_create(s)"));
        assert!(r.matches(
            "a.py",
            "from .views import MetricViewSet\nMetricViewSet().perform_create(s)\n"
        ));
        assert!(r.matches(
            "a.py",
            "def f(view: MetricViewSet):\n    view.perform_create(s)\n"
        ));
        // A plain Python function is a word.
        let r = round(|n| {
            n.words.insert("store_event".into());
        });
        assert!(r.matches("a.py", "trail.store_event(cur, user)"));
        assert!(!r.matches("a.py", "trail.store_events(cur, user)"));
    }

    #[test]
    fn a_function_counts_by_name_and_as_a_member_only_through_its_class_or_module() {
        let r = round(|n| method(n, "logUpdate", true, &["createAuditLogger"]));
        assert!(r.matches("a.ts", "logUpdate(row);"));
        assert!(!r.matches("a.ts", "audit.logUpdate(row);"));
        assert!(r.matches(
            "a.ts",
            "const audit = createAuditLogger();\naudit.logUpdate(row);"
        ));
    }

    /// A script's name between two plain words on its line is prose (a string, a comment after
    /// code, JSX text, a JSX attribute's name); next to a keyword, or alone, it is code.
    #[test]
    fn a_script_name_between_two_words_is_prose() {
        let r = round(|n| {
            method(n, "write", true, &[]);
            n.words.insert("insertAudit".into());
        });
        for prose in [
            "const help = \"When a write is needed, ask\";",
            "x(); // then the write happens\n",
            "<p>Please write here</p>",
            "<Input disabled write readOnly />",
            "throw new Error(`between write and re-read`);",
            "const s = 'an insertAudit call';",
        ] {
            assert!(!r.matches("a.tsx", prose), "{prose}");
        }
        for code in [
            "write(row);",
            "return write(row);",
            "await write(row);",
            "const w = cond ? write : other;",
            "export default write\n",
            "export { write };",
            "items.forEach(write);",
            "typeof write === \"function\"",
            "const f = write as Writer;",
            "if (name in write) {}",
            "x = a\nwrite(row)",
            "do the REVERSIBLE write (first)",
            "await insertAudit(db, row);",
        ] {
            assert!(r.matches("a.ts", code), "{code}");
        }
        // Python and Rust do not read words this way.
        assert!(r.matches("a.py", "help = \"When a write is needed\""));
        assert!(r.matches("a.rs", "let help = \"an insertAudit call\";"));
    }

    /// A script string that is the name alone (an OpenAPI `operationId`) calls nothing; a
    /// computed member's key does, and a longer string is left to the other checks.
    #[test]
    fn a_script_name_alone_in_a_string_is_no_call() {
        let r = round(|n| method(n, "postArchetype", true, &[]));
        for label in [
            "  operationId: \"postArchetype\",",
            "const ids = ['postArchetype'];",
            "route(`postArchetype`);",
        ] {
            assert!(!r.matches("a.ts", label), "{label}");
        }
        for code in [
            "handlers[\"postArchetype\"](req);",
            "handlers[ 'postArchetype' ](req);",
            "postArchetype(req);",
            "const s = \"postArchetype(x)\";",
        ] {
            assert!(r.matches("a.ts", code), "{code}");
        }
        // Python reads strings as before.
        assert!(r.matches("a.py", "x = \"postArchetype\""));
    }

    /// Past one automaton's 64 names, the others are searched too, each with its own need,
    /// and a name that another one contains is still found on its own.
    #[test]
    fn more_names_than_one_automaton_holds_are_all_found() {
        let r = round(|n| {
            // The first 64 are functions; the rest methods of `AuditSvc`, so a need read at the
            // wrong index would take a plain call for one.
            for i in 0..150 {
                method(n, &format!("writeAudit{i:03}"), i < 64, &["AuditSvc"]);
            }
            method(n, "delete", true, &[]);
            method(n, "deleteById", true, &[]);
        });
        for i in [0, 1, 63] {
            let call = format!("await writeAudit{i:03}(row);");
            assert!(r.matches("a.ts", &call), "{call}");
        }
        for i in [64, 100, 149] {
            let plain = format!("await writeAudit{i:03}(row);");
            assert!(!r.matches("a.ts", &plain), "{plain}");
            let member = format!("await auditSvc.writeAudit{i:03}(row);");
            assert!(r.matches("a.ts", &member), "{member}");
        }
        assert!(r.matches("a.ts", "delete(row);"));
        assert!(r.matches("a.ts", "deleteById(id);"));
        assert!(!r.matches("a.ts", "deleteByIdLater(id); writeAudit150(row);"));
    }

    /// A round whose automaton could not be built passes every file: a prefilter errs on the
    /// side of parsing.
    #[test]
    fn a_round_it_cannot_build_passes_every_file() {
        let mut r = round(|n| method(n, "record", true, &[]));
        assert!(!r.matches("a.ts", "const x = 1;"));
        r.unbuilt = true;
        for path in ["a.ts", "a.go", "a.rs", "a.py"] {
            assert!(r.matches(path, "const x = 1;"), "{path}");
        }
        let mut unbuilt = false;
        assert!(built(&["record"], &mut unbuilt).is_some() && !unbuilt);
    }

    #[test]
    fn modules_count_in_specifiers_and_namespace_ones_need_a_namespace_import() {
        let r = round(|n| {
            n.modules.insert("purge".into(), ModuleReach::Default);
            n.modules.insert("audit".into(), ModuleReach::Namespace);
        });
        assert!(r.matches("a.ts", "import run from \"./purge\";"));
        assert!(r.matches("a.ts", "import run from '../purge/index.js';"));
        assert!(!r.matches("a.ts", "const purge = 1; purgeAll();"));
        assert!(!r.matches("a.ts", "import { log } from \"./audit\";"));
        assert!(r.matches("a.ts", "import * as a from \"./audit\";"));
        assert!(r.matches("a.js", "const a = require('./audit');"));
        assert!(r.matches("a.ts", "import a = require (\"./audit\");"));
        assert!(r.matches("a.ts", "const a = await import(\"./audit\");"));
        assert!(r.matches("a.ts", "export * from \"./audit\";"));
        assert!(r.matches("a.ts", "export * as a from \"./audit\";"));
        assert!(r.matches("a.ts", "import type * as a\n  from \"./audit\";"));
        assert!(r.matches("a.ts", "import d, * as a from \"./audit\";"));
        assert!(r.matches("a.js", "const a = require(`./audit`);"));
        // A named import beside words that only contain `require` or `import`.
        assert!(!r.matches(
            "a.ts",
            "import { log } from \"./audit\";\nconst schema = { required: true, reimport(x) {} };"
        ));
        // Each specifier by its own statement: a named import of the writer's module beside a
        // namespace import, a `require` or an `import()` of another.
        for named in [
            "import { log } from \"./audit\";\nimport * as Sentry from \"@sentry/node\";",
            "import { log } from \"./audit\";\nconst q = require(\"p-queue\");",
            "import {\n  log,\n  other,\n} from \"@/lib/audit\";\nconst m = await import(\"./x\");",
            "import \"./audit\";\nimport * as x from \"./x\";",
            "jest.mock(\"./audit\");\nconst a = require.resolve(\"./audit\");",
        ] {
            assert!(!r.matches("a.ts", named), "{named}");
        }
        assert!(r.matches("a.rs", "use crate::purge;"));
    }

    /// The text checks read bytes around a match, backwards and forwards: no text, however it
    /// is cut, makes one index out of bounds. Random sequences of the tokens they look at.
    #[test]
    fn no_text_makes_the_text_checks_panic() {
        const TOKENS: [&str; 27] = [
            "import", "export", "from", "require", "as", "*", "{", "}", ",", "(", ")", "\"", "'",
            "`", "\n", " ", "\t", "//", "/*", "*/", "write", "audit", "x", ";", ".", "create", "[",
        ];
        let r = round(|n| {
            method(n, "write", true, &[]);
            method(n, "create", false, &["AuditService"]);
            n.modules.insert("audit".into(), ModuleReach::Namespace);
            n.words.insert("x".into());
        });
        let first = crate::analysis::Prefilter::case_insensitive(&["audit".to_string()]);
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            let mut text = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            for i in 0..(seed % 12) {
                text.push_str(TOKENS[((seed >> (i * 5)) % TOKENS.len() as u64) as usize]);
            }
            for path in ["a.ts", "a.py", "a.go", "a.rs"] {
                let _ = r.matches(path, &text);
                let _ = first.matches(path, &text);
            }
        }
    }

    #[test]
    fn each_round_looks_only_for_what_is_new() {
        let mut seen = Seen::new(&["audit".to_string()]);
        let mut names = RoundNames::default();
        names.words.insert("audit".into());
        assert!(RoundPrefilter::new(&names, &mut seen).is_none());
        method(&mut names, "create", false, &["AuditService"]);
        assert!(RoundPrefilter::new(&names, &mut seen).is_some());
        assert!(RoundPrefilter::new(&names, &mut seen).is_none());
        // The same method, now also a plain function: plain calls are new.
        method(&mut names, "create", true, &["AuditService"]);
        let r = RoundPrefilter::new(&names, &mut seen).expect("plain calls are new");
        assert!(r.matches("a.ts", "create(row);"));
        assert!(!r.matches("a.ts", "auditService.create(row);"));
    }

    #[test]
    fn go_names_count_only_in_go_files_and_a_method_needs_a_type_it_resolves_through() {
        let r = round(|n| {
            n.go_words.insert("store.Store".into());
            n.go_methods.insert(
                "Append".into(),
                Reach {
                    by_name: true,
                    classes: ["Server".to_string()].into_iter().collect(),
                },
            );
        });
        // A script or Rust file naming them calls no Go code.
        assert!(!r.matches("a.ts", "const s = new Store(); s.Append(x);"));
        assert!(!r.matches("a.rs", "let s = Store::new();"));
        // A Go file naming the type, declaring the method, or calling it through `Server`.
        assert!(r.matches("a.go", "type S struct { st *store.Store }"));
        assert!(!r.matches("a.go", "type S struct { st *Store }"));
        assert!(r.matches("a.go", "type Sink interface { Append(u string) error }"));
        assert!(r.matches("a.go", "func (s *Server) X() { _ = s.st.Append(u) }"));
        // A member call on a receiver of no type that resolves it.
        assert!(!r.matches("a.go", "func f(b *bytes.Buffer) { b.Append(x) }"));
    }
}
