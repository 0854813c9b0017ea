//! The analysis proper, shared by one-shot runs and the long-lived workspace (LSP): prefilter
//! rounds over read sources, parsing (at most once per file text, with an optional cache),
//! rules.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder};
use auditlint_core::diagnostic::stable_hash;
use auditlint_core::index::{Index, ProjectFile};
use auditlint_core::resolve::Resolver;
use auditlint_core::{Config, Diagnostic, FileError, FileFacts, Level, LineIndex};
use rayon::prelude::*;

use crate::discover::{Content, FoundSource};
use crate::rounds::{RoundPrefilter, Seen};

/// A source file as read: its project-relative path and text (`None` if it could not be read,
/// or while it is [`Held`]).
#[derive(Clone)]
pub struct Source {
    pub path: String,
    pub text: Option<Text>,
    /// A Rust file the first round did not select, held without its text: its path and hash
    /// ([`Held`]).
    pub held: Option<Arc<Held>>,
}

impl Source {
    pub fn new(path: String, text: Option<Text>) -> Self {
        Self {
            path,
            text,
            held: None,
        }
    }

    /// Its text: as read, or as read again when a later round selected it while held.
    pub fn text(&self) -> Option<&str> {
        match &self.held {
            Some(held) => held.text.get().and_then(|read| read.as_deref().ok()),
            None => self.text.as_deref(),
        }
    }
}

/// A Rust file the first round passed over, without its text: each later round reads it again
/// to match it, and keeps it if it selects it. A trade of memory for a second read of files most
/// runs never look at again (rustfs has no later round; a project with audit helpers has one or
/// two). Only Rust files: dense Rust trees are where memory ran over, and a Rust file's later
/// rounds look for whole words only. The text read again is checked against the first read's
/// hash: the rest of the run, and the whole-run cache's key, saw that one.
pub struct Held {
    absolute: PathBuf,
    hash: u128,
    /// Its text, once a later round selected it; or why it could not be read as it was.
    text: OnceLock<Result<Text, String>>,
}

impl Held {
    pub(crate) fn new(absolute: PathBuf, text: &Text) -> Arc<Self> {
        Arc::new(Self {
            absolute,
            hash: text.hash(),
            text: OnceLock::new(),
        })
    }

    /// Whether a file at `path` may be held: Rust files (whose later rounds look for words).
    pub(crate) fn applies(path: &str) -> bool {
        path.ends_with(".rs")
    }

    /// Its text, read again: `Err` when it cannot be read, or is no longer what was read first.
    fn read_again(&self, max_size: u64) -> Result<Text, String> {
        let text = crate::read::read_source(&self.absolute, max_size).map_err(|unread| match unread {
            crate::read::Unread::Problem(problem) => format!(
                "read again for a later prefilter round: {problem}; it was not checked: run again"
            ),
            crate::read::Unread::Generated(_) => CHANGED.to_string(),
        })?;
        if xxhash_rust::xxh3::xxh3_128(text.as_bytes()) != self.hash {
            return Err(CHANGED.to_string());
        }
        Ok(Text::from(text))
    }
}

/// Why a held file read again is not checked.
const CHANGED: &str = "changed while auditlint was checking the project (read again for a \
    later prefilter round, its text differs from the first read); it was not checked: run again";

/// Frees the texts of the Rust files the first round did not select; a later round reads them
/// again ([`Held`]). The reader threads do it as they read when the first round's verdict is
/// known there ([`crate::discover::Verdict::Passed`]); this is for a run that prefiltered later
/// (the whole-run cache's miss). rustfs: 27 of its 57 MB of sources are never parsed; held, with
/// the boxed guard handlers, its peak RSS went from 140 to about 100 MiB.
pub fn hold_unselected(
    sources: &mut [Source],
    round_one: &[usize],
    root: &Path,
    overlay: &std::collections::BTreeMap<PathBuf, String>,
) {
    let mut selected = vec![false; sources.len()];
    for &i in round_one {
        selected[i] = true;
    }
    sources
        .par_iter_mut()
        .zip(selected)
        .filter(|(source, selected)| !selected && Held::applies(&source.path))
        .for_each(|(source, _)| {
            let absolute = root.join(&source.path);
            // An editor's buffer is not on the disk to be read again.
            if overlay.contains_key(&absolute) {
                return;
            }
            if let Some(text) = source.text.take() {
                source.held = Some(Held::new(absolute, &text));
            }
        });
}

/// A held file could not be read again as it was read first: the run's result describes
/// files that changed under it, and is not one to keep.
pub fn read_again_failed(sources: &[Source]) -> bool {
    sources.iter().any(|source| {
        source
            .held
            .as_ref()
            .is_some_and(|held| matches!(held.text.get(), Some(Err(_))))
    })
}

/// A source's text, shared without a copy: the buffer the file was read into, behind an `Arc`
/// (an `Arc<str>` is a second buffer the text is copied into — 12 % of a cached run's work),
/// with its hash once asked for (by the reader thread, while the text is in its cache, when the
/// whole-run cache will want it).
#[derive(Clone, Debug)]
pub struct Text(Arc<TextInner>);

#[derive(Debug)]
struct TextInner {
    text: String,
    hash: std::sync::OnceLock<u128>,
}

impl Text {
    /// The text's 128-bit hash (xxh3), computed once.
    pub fn hash(&self) -> u128 {
        *self
            .0
            .hash
            .get_or_init(|| xxhash_rust::xxh3::xxh3_128(self.0.text.as_bytes()))
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        self.0.text == other.0.text
    }
}

impl Eq for Text {}

impl std::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0.text
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Self(Arc::new(TextInner {
            text,
            hash: std::sync::OnceLock::new(),
        }))
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        Self::from(text.to_string())
    }
}

/// Facts by path, with the hash of the text they were extracted from.
pub type FactsCache = HashMap<String, (u64, Result<Arc<FileFacts>, String>)>;

/// Turns discovered files into sources (unreadable ones become errors) and the indexes of
/// those the first prefilter matched.
pub fn sources_from(
    found: Vec<FoundSource>,
    errors: &mut Vec<FileError>,
) -> (Vec<Source>, Vec<usize>) {
    let mut sources = Vec::with_capacity(found.len());
    let mut round_one = Vec::new();
    for found in found {
        let (text, held) = match found.content {
            Content::Text(text) => (Some(text), None),
            Content::Held(held) => (None, Some(held)),
            Content::Unread(message) => {
                errors.push(FileError {
                    path: found.path.clone(),
                    message,
                });
                (None, None)
            }
        };
        if found.matched {
            round_one.push(sources.len());
        }
        sources.push(Source {
            path: found.path,
            text,
            held,
        });
    }
    (sources, round_one)
}

/// A source's index and its facts, or why it has none.
type Parsed = (usize, Result<Arc<FileFacts>, String>);

/// Round 1 parses `round_one` (files naming a sink); each later round parses the files that
/// name a writer or producer found so far, until no new name appears. `cache` keeps facts in
/// memory (the LSP workspace), `store` on disk between runs. `finish` gets the last round's
/// index (of every file parsed), the parsed files and for each the index of its source; the
/// parsed files are returned with what `finish` returned.
#[allow(clippy::too_many_arguments)]
pub fn parse_rounds<R>(
    sources: &[Source],
    round_one: Vec<usize>,
    literals: &[String],
    config: &Config,
    resolver: &Resolver,
    mut cache: Option<&mut FactsCache>,
    store: Option<&crate::cache::FactsStore>,
    errors: &mut Vec<FileError>,
    finish: impl FnOnce(&Index<'_>, &[ProjectFile], &[usize], &mut Vec<FileError>) -> R,
) -> (Vec<ProjectFile>, R) {
    let mut parsed: Vec<bool> = vec![false; sources.len()];
    let mut files: Vec<ProjectFile> = Vec::new();
    let mut file_source: Vec<usize> = Vec::new();
    let mut seen = Seen::new(literals);
    let mut candidates = round_one;
    let trace = crate::Trace::new();
    let mut round = 0;
    let index = loop {
        round += 1;
        trace.note(&format!(
            "round {round}: {} files to parse",
            candidates.len()
        ));
        let results: Vec<Parsed> = {
            let cache_view = cache.as_deref();
            let facts_of = |i: usize| {
                let source = &sources[i];
                if let Some(Err(message)) = source.held.as_ref().and_then(|h| h.text.get()) {
                    return (i, Err(message.clone()));
                }
                let text = source.text().unwrap_or_default();
                // The text is hashed only when there is an in-memory entry to compare with.
                if let Some((cached_hash, facts)) = cache_view.and_then(|c| c.get(&source.path))
                    && *cached_hash == stable_hash(&[text])
                {
                    return (i, facts.clone());
                }
                // The persistent cache: facts of a file whose bytes were seen before.
                let key = store.map(|_| crate::cache::FactsStore::key(&source.path, text));
                if let (Some(store), Some(key)) = (store, key)
                    && let Some(facts) = store.get(key)
                {
                    return (i, Ok(Arc::new(facts)));
                }
                let result = parse_file(&source.path, text, config.check_tests);
                if let (Some(store), Some(key), Ok(facts)) = (store, key, &result) {
                    store.put(key, facts);
                }
                (i, result.map(Arc::new))
            };
            // One file (an editor's change): parse on this thread, whose parser and allocator
            // are warm, rather than hand it to the pool.
            if candidates.len() == 1 {
                candidates.iter().map(|&i| facts_of(i)).collect()
            } else {
                // Largest first, one file per task: a large file met last would leave the
                // other threads idle while one parses it. Results in the candidates' order.
                let size = |&at: &usize| {
                    let i = candidates[at];
                    sources[i].text().map_or(0, str::len)
                };
                let mut order: Vec<usize> = (0..candidates.len()).collect();
                order.sort_by_key(|at| (std::cmp::Reverse(size(at)), *at));
                let mut results: Vec<(usize, Parsed)> = order
                    .into_par_iter()
                    .with_max_len(1)
                    .map(|at| (at, facts_of(candidates[at])))
                    .collect();
                results.sort_unstable_by_key(|(at, _)| *at);
                results.into_iter().map(|(_, result)| result).collect()
            }
        };
        for (i, result) in results {
            parsed[i] = true;
            let source = &sources[i];
            let text = source.text().unwrap_or_default();
            if let Some(cache) = cache.as_deref_mut() {
                cache.insert(source.path.clone(), (stable_hash(&[text]), result.clone()));
            }
            match result {
                Ok(facts) => {
                    for message in facts_problems(&facts, text) {
                        errors.push(FileError {
                            path: source.path.clone(),
                            message,
                        });
                    }
                    file_source.push(i);
                    files.push(ProjectFile {
                        path: source.path.clone(),
                        facts,
                    });
                }
                Err(message) => errors.push(FileError {
                    path: source.path.clone(),
                    message,
                }),
            }
        }
        trace.phase(&format!("round {round}: parse"));
        let index = Index::build(&files, &config.vocab, resolver);
        trace.phase(&format!("round {round}: index"));
        let names = index.writer_names();
        let Some(matcher) = RoundPrefilter::new(&names, &mut seen) else {
            break index;
        };
        trace.note(&format!("round {round}: looking for {matcher:?}"));
        candidates = (0..sources.len())
            .into_par_iter()
            .filter(|&i| !parsed[i])
            .filter(|&i| {
                let source = &sources[i];
                match &source.held {
                    Some(held) => match held.read_again(config.max_file_size) {
                        Ok(text) => {
                            let selected = matcher.matches(&source.path, &text);
                            if selected {
                                held.text.get_or_init(|| Ok(text));
                            }
                            selected
                        }
                        // Selected: parsing it reports why it was not checked.
                        Err(problem) => {
                            held.text.get_or_init(|| Err(problem));
                            true
                        }
                    },
                    None => source
                        .text
                        .as_deref()
                        .is_some_and(|text| matcher.matches(&source.path, text)),
                }
            })
            .collect();
        if candidates.is_empty() {
            break index;
        }
    };
    let finished = finish(&index, &files, &file_source, errors);
    drop(index);
    (files, finished)
}

/// Runs every rule that is not off; a panicking rule becomes an error, the others still run.
pub fn run_rules(
    index: &Index<'_>,
    config: &Config,
    errors: &mut Vec<FileError>,
) -> Vec<Diagnostic> {
    run_phase(index, &[], auditlint_rules::Phase::Facts, config, errors)
}

/// Runs the rules of one phase; [`run_rules`] is the facts phase.
pub fn run_phase(
    index: &Index<'_>,
    suppressions: &[auditlint_core::suppression::Suppression],
    phase: auditlint_rules::Phase,
    config: &Config,
    errors: &mut Vec<FileError>,
) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for rule in auditlint_rules::RULES {
        if rule.phase() != phase || config.level(rule.id()) == Level::Off {
            continue;
        }
        let result = catch_unwind(AssertUnwindSafe(|| {
            let mut ctx = auditlint_rules::RuleContext::with_suppressions(index, suppressions);
            rule.check(&mut ctx);
            ctx.into_diagnostics()
        }));
        match result {
            // Generated code is read for what it offers other files (sqlc's queries), never
            // reported: nobody fixes it, they fix its generator's input.
            Ok(found) => diagnostics.extend(found.into_iter().filter(|d| {
                !index
                    .files
                    .get(d.file as usize)
                    .is_some_and(|f| f.facts.generated)
            })),
            Err(panic) => errors.push(FileError {
                path: "<auditlint>".into(),
                message: format!(
                    "internal error in rule `{}`: {}; its findings are missing from this run",
                    rule.id(),
                    panic_message(&panic)
                ),
            }),
        }
    }
    diagnostics
}

/// Facts of one file. `check_tests`: Rust test items (`#[cfg(test)]`, `#[test]` functions)
/// are analysed too; by default they are left out, as test files are.
pub fn parse_file(
    path: &str,
    text: &str,
    check_tests: bool,
) -> Result<auditlint_core::FileFacts, String> {
    use auditlint_core::facts::Language;
    let Some(language) = Language::of_path(path) else {
        return Err("not a file of a language auditlint reads".into());
    };
    let analyse = || -> Result<auditlint_core::FileFacts, String> {
        // A test hook: proves that a panic while analysing one file is contained.
        if std::env::var_os("AUDITLINT_INJECT_PANIC")
            .is_some_and(|p| path.ends_with(&*p.to_string_lossy()))
        {
            panic!("injected panic for {path}");
        }
        match language {
            Language::TypeScript | Language::Tsx | Language::JavaScript => {
                auditlint_ts::extract(text, language)
                    .map(compacted)
                    .map_err(|e| e.to_string())
            }
            Language::Rust => {
                auditlint_rust::extract_with(text, check_tests).map_err(|e| e.message)
            }
            Language::Go => auditlint_go::extract(text)
                .map(|mut facts| {
                    facts.generated = auditlint_go::is_generated(text);
                    compacted(facts)
                })
                .map_err(|e| e.to_string()),
            Language::Python => auditlint_python::extract(text)
                .map(compacted)
                .map_err(|e| e.to_string()),
        }
    };
    match catch_unwind(AssertUnwindSafe(analyse)) {
        Ok(Ok(facts)) => Ok(facts),
        Ok(Err(message)) => Err(message),
        Err(panic) => Err(format!(
            "internal error while analysing this file ({}); it was not checked",
            panic_message(&panic)
        )),
    }
}

/// `facts` copied now that the syntax tree is gone: the facts a run keeps then sit together
/// instead of pinning pages between the freed nodes of every tree parsed before (growthbook:
/// peak RSS 104 -> 82 MiB). The Rust front end does the same on its parse worker.
fn compacted(facts: auditlint_core::FileFacts) -> auditlint_core::FileFacts {
    let copy = facts.clone();
    drop(facts);
    copy
}

/// Syntax errors and truncation: the file was checked only in part.
pub fn facts_problems(facts: &auditlint_core::FileFacts, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(first) = facts.syntax_errors.first() {
        let index = LineIndex::new(text);
        let pos = index.position(text, first.start as usize);
        problems.push(format!(
            "syntax error at line {}, column {}: partially parsed, findings cover only what parsed",
            pos.line, pos.column
        ));
    }
    if let Some(depth) = facts.truncated_at_depth {
        problems.push(format!(
            "nesting deeper than {depth} levels: the code below that depth was not analysed"
        ));
    }
    problems
}

pub fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_string())
}

/// The literal prefilter: does a file mention anything that could matter?
pub enum Prefilter {
    /// Vocabulary fragments, any case, outside comment lines.
    Anywhere {
        literals: AhoCorasick,
        /// The suppression directive's pattern: it counts on comment lines, where it lives.
        directive: Option<aho_corasick::PatternID>,
    },
    /// A literal is empty (a sink pattern too short to look for), or the automaton could not be
    /// built: every file passes (a prefilter errs on the side of parsing, never of skipping).
    Everything,
}

/// The inline suppression directive, one of the prefilter's literals.
const DIRECTIVE: &str = "auditlint-ignore";

thread_local! {
    /// The text [`Prefilter::matches`] searches, lowercased; kept for the thread's next file.
    static LOWERED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// `bytes` with ASCII letters lowercased, into `out` (its allocation reused).
fn lowercase_into(bytes: &[u8], out: &mut Vec<u8>) {
    out.clear();
    out.extend(bytes.iter().map(u8::to_ascii_lowercase));
}

impl Prefilter {
    pub fn case_insensitive(literals: &[String]) -> Self {
        if literals.iter().any(String::is_empty) {
            return Prefilter::Everything;
        }
        let directive = literals
            .iter()
            .position(|l| l == DIRECTIVE)
            .and_then(|at| aho_corasick::PatternID::new(at).ok());
        // Any case: the literals are lowercased here and each text as it is searched
        // (`lowercase_into`): an automaton built `ascii_case_insensitive` gets no prefilter
        // (aho-corasick's SIMD `packed` searcher is case-sensitive) and steps through every
        // byte; this one skips ahead with it. Longest: `auditlint-ignore` is found whole, not
        // as the `audit` it begins with.
        let lowered: Vec<String> = literals.iter().map(|l| l.to_ascii_lowercase()).collect();
        AhoCorasickBuilder::new()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(&lowered)
            .map_or(Prefilter::Everything, |literals| Prefilter::Anywhere {
                literals,
                directive,
            })
    }

    /// A literal outside a line that starts a comment (`//`, `/*`, `* `): a word in a comment
    /// names no sink (rustfs: 25 of the 209 files that mention one do so only in comments,
    /// 2 MB that were parsed for nothing). A comment the check cannot see as one (a block
    /// comment's line without its `*`, a Python `#`) still passes the file.
    ///
    /// In a script, a literal inside an ESM import statement does not count either
    /// ([`crate::rounds::in_import_statement`]): the later rounds look for the ways such a file
    /// can reach a writer.
    pub fn matches(&self, path: &str, text: &str) -> bool {
        match self {
            Prefilter::Anywhere {
                literals,
                directive,
            } => LOWERED.with_borrow_mut(|lowered| {
                lowercase_into(text.as_bytes(), lowered);
                let script = auditlint_ts::language_of(path).is_some();
                // Lowercasing keeps every byte where it was, and comment markers and keywords
                // as they were.
                literals.find_iter(lowered.as_slice()).any(|m| {
                    Some(m.pattern()) == *directive
                        || !(crate::rounds::on_comment_line(lowered, m.start())
                            || script
                                && crate::rounds::in_import_statement(lowered, m.start(), m.end()))
                })
            }),
            Prefilter::Everything => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SINK: &str = "pub fn record_audit(conn: &rusqlite::Connection) -> Result<usize, rusqlite::Error> {\n    conn.execute(\"INSERT INTO audit_log (action) VALUES ('purge')\", [])\n}\n";
    const CALLER: &str =
        "pub fn purge(conn: &rusqlite::Connection) {\n    let _ = record_audit(conn);\n}\n";
    const OTHER: &str = "pub fn unrelated() -> u32 {\n    7\n}\n";

    #[test]
    fn the_first_prefilter_passes_over_literals_on_comment_lines_but_not_the_directive() {
        let literals = ["audit".to_string(), DIRECTIVE.to_string()];
        let first = Prefilter::case_insensitive(&literals);
        assert!(first.matches("a.ts", "db.insert(\"AUDIT_LOG\", row);\n"));
        // Any case, in the literals as in the text.
        let mixed = Prefilter::case_insensitive(&["Audit_Log".to_string()]);
        for text in ["x(\"audit_log\")", "x(\"AUDIT_LOG\")", "x(\"aUdIt_LoG\")"] {
            assert!(mixed.matches("a.ts", text), "{text}");
        }
        assert!(!mixed.matches("a.ts", "x(\"audit-log\")"));
        for comment in [
            "// Audit rows are written by the worker.\nfn f() {}\n",
            "/// Writes the audit row.\nfn f() {}\n",
            "/**\n * Audit helper.\n */\nexport function f() {}\n",
            "fn f() {}\n  /* audit */\n",
        ] {
            assert!(!first.matches("a.ts", comment), "{comment}");
        }
        // Code after a comment closed on the same line, or a comment only `#` opens: passed.
        assert!(first.matches("a.ts", "/* legacy */ await auditLog.create(row);\n"));
        assert!(first.matches("a.ts", " * done */ audit(row);\n"));
        assert!(first.matches("a.py", "# audit rows\nx = 1\n"));
        // The directive lives in comments.
        assert!(first.matches(
            "a.rs",
            "let _ = f(); // auditlint-ignore audit-error-swallowed: why\n"
        ));
        assert!(first.matches("a.ts", "// auditlint-ignore-file\n"));
        // An empty literal (a sink pattern too short to look for) passes every file.
        let every = Prefilter::case_insensitive(&["".to_string(), "audit".to_string()]);
        assert!(every.matches("a.ts", "fn f() {}\n"));
    }

    /// A script whose every literal sits in an ESM import statement (clause or specifier) names
    /// no sink in code: the first round passes it over; anything else still counts.
    #[test]
    fn the_first_prefilter_passes_over_literals_in_import_statements() {
        let first = Prefilter::case_insensitive(&["audit".to_string(), DIRECTIVE.to_string()]);
        for imports_only in [
            "import type { AuditRow } from \"./types\";\nexport const x = 1;\n",
            "import record from \"./audit\";\nrecord(row);\n",
            "import \"./audit-setup\";\n",
            "import a from './a'\nimport {\n  AuditA,\n  type AuditB,\n} from '../x';\n",
            "import m, { auditRow as r } from \"./m\";\nr();\n",
        ] {
            assert!(!first.matches("a.ts", imports_only), "{imports_only}");
        }
        for code in [
            "import { AuditRow } from \"./types\";\nconst r: AuditRow = f();\n",
            "export { insertAudit } from \"./audit\";\n",
            "import x = require(\"./audit\");\n",
            "const m = await import(\"./audit\");\n",
            "import { a } from \"./a\"; const s = audit + \"b\";\n",
            "import { /* note */ auditRow } from \"./x\";\n",
            "const q = \"INSERT INTO audit_log (a) VALUES (1)\";\n",
        ] {
            assert!(first.matches("a.ts", code), "{code}");
        }
        // Other languages import otherwise.
        assert!(first.matches("a.rs", "use crate::audit;\n"));
        assert!(first.matches("a.py", "import audit\n"));
        assert!(first.matches("a.py", "from x import audit_row\n"));
    }

    /// Parses `sources` with `sink.rs` (source 1) as round one's only file: the paths parsed
    /// and the errors.
    fn run(sources: &[Source]) -> (Vec<String>, Vec<FileError>) {
        let known = auditlint_rules::rule_ids();
        let config = Config::defaults(&known);
        let literals = config.vocab.prefilter_literals();
        let resolver = Resolver::default();
        let mut errors = Vec::new();
        let (files, ()) = parse_rounds(
            sources,
            vec![1],
            &literals,
            &config,
            &resolver,
            None,
            None,
            &mut errors,
            |_, _, _, _| (),
        );
        (files.into_iter().map(|f| f.path).collect(), errors)
    }

    #[test]
    fn a_held_rust_file_is_read_again_by_a_later_round_and_checked_only_as_first_read() {
        let dir = tempfile::tempdir().expect("temp dir");
        let write = |name: &str, text: &str| {
            std::fs::write(dir.path().join(name), text).expect("write");
        };
        write("caller.rs", CALLER);
        write("sink.rs", SINK);
        write("other.rs", OTHER);
        let held = || {
            let mut sources: Vec<Source> = ["caller.rs", "sink.rs", "other.rs"]
                .iter()
                .map(|name| {
                    let text = std::fs::read_to_string(dir.path().join(name)).expect("read");
                    Source::new((*name).to_string(), Some(Text::from(text)))
                })
                .collect();
            hold_unselected(&mut sources, &[1], dir.path(), &Default::default());
            sources
        };

        let sources = held();
        assert!(sources[0].text.is_none() && sources[0].held.is_some());
        assert!(sources[1].text.is_some() && sources[1].held.is_none());
        let (parsed, errors) = run(&sources);
        assert_eq!(parsed, ["sink.rs", "caller.rs"], "{errors:?}");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(sources[0].text(), Some(CALLER));
        // A file no later round selects was read again to be matched, and not kept.
        assert_eq!(sources[2].text(), None);
        assert!(!read_again_failed(&sources));

        // Edited between the first read and the round that reads it again: not checked, said.
        let sources = held();
        write("caller.rs", &CALLER.replace("let _ = ", "let _r = "));
        let (parsed, errors) = run(&sources);
        assert_eq!(parsed, ["sink.rs"]);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].path, "caller.rs");
        assert!(
            errors[0]
                .message
                .starts_with("changed while auditlint was checking")
        );
        assert!(read_again_failed(&sources));

        // Gone by then: not checked, said.
        let sources = held();
        std::fs::remove_file(dir.path().join("caller.rs")).expect("remove");
        let (_, errors) = run(&sources);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0]
                .message
                .starts_with("read again for a later prefilter round: cannot read")
        );
        assert!(read_again_failed(&sources));
    }
}
