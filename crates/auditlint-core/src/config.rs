//! Configuration: the embedded default vocabulary merged with a project's `auditlint.toml`.
//!
//! No I/O here: the engine finds and reads the file, this module parses and validates it,
//! turning every mistake into a [`ConfigError`] that names the file, line and column.

use std::collections::BTreeMap;
use std::sync::Arc;

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use toml::Spanned;

use crate::span::LineIndex;
use crate::vocab::Vocabulary;

/// The default vocabulary, `rules/default.toml`, embedded in the binary.
pub const DEFAULT_CONFIG: &str = include_str!("../../../rules/default.toml");

/// The configured level of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Off,
    Warning,
    Error,
}

/// A configuration mistake, located in its file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{line}:{column}: {message}")]
pub struct ConfigError {
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// The effective configuration of a run.
#[derive(Debug, Clone)]
pub struct Config {
    pub vocab: Vocabulary,
    pub levels: BTreeMap<String, Level>,
    pub exclude: GlobSet,
    /// The patterns `exclude` was built from (so a run can add its own, `--exclude`).
    pub exclude_patterns: Vec<String>,
    /// `[files] tests`: test, bench and example code, not checked unless `check-tests`.
    pub tests: GlobSet,
    /// `[files] check-tests`: check the files `tests` matches too.
    pub check_tests: bool,
    pub max_file_size: u64,
    /// `[suppressions] min-reason-length`: the shortest reason an inline suppression may give.
    pub min_reason_length: usize,
}

impl Config {
    /// The embedded defaults alone.
    pub fn defaults(known_rules: &[&str]) -> Self {
        match Self::parse(None, known_rules) {
            Ok(config) => config,
            // The embedded file is checked by a unit test; reaching this is a build defect.
            Err(err) => panic!("embedded rules/default.toml is invalid: {err}"),
        }
    }

    /// The defaults merged with a user's file (`path` is used in messages only).
    pub fn parse(user: Option<(&str, &str)>, known_rules: &[&str]) -> Result<Self, ConfigError> {
        let default_raw = RawConfig::from_str(DEFAULT_CONFIG, "<embedded rules/default.toml>")?;
        let mut merged = Merged::from_defaults(default_raw)?;
        if let Some((text, path)) = user {
            let raw = RawConfig::from_str(text, path)?;
            merged.apply(raw, text, path, Some(known_rules))?;
        }
        merged.build()
    }

    pub fn level(&self, rule: &str) -> Level {
        self.levels.get(rule).copied().unwrap_or(Level::Error)
    }

    /// Adds exclude globs for one run (the CLI's `--exclude`), as `[files] extend-exclude`
    /// would; the error names the pattern that is not a valid glob.
    pub fn extend_exclude(&mut self, patterns: &[String]) -> Result<(), String> {
        if patterns.is_empty() {
            return Ok(());
        }
        let mut builder = GlobSetBuilder::new();
        for pattern in self.exclude_patterns.iter().chain(patterns) {
            let glob = GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()
                .map_err(|err| format!("invalid pattern `{pattern}`: {}", err.kind()))?;
            builder.add(glob);
        }
        self.exclude = builder.build().map_err(|err| err.to_string())?;
        self.exclude_patterns.extend(patterns.iter().cloned());
        Ok(())
    }
}

/// A list setting: `key` replaces, `extend-key` adds.
macro_rules! raw_section {
    ($name:ident { $($field:ident, $extend:ident, $key:literal, $extend_key:literal;)* }) => {
        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct $name {
            $(
                #[serde(rename = $key)]
                $field: Option<Vec<Spanned<String>>>,
                #[serde(rename = $extend_key)]
                $extend: Option<Vec<Spanned<String>>>,
            )*
        }
        impl $name {
            fn lists(self) -> Vec<(&'static str, Option<Vec<Spanned<String>>>, Option<Vec<Spanned<String>>>)> {
                vec![$(($key, self.$field, self.$extend)),*]
            }
        }
    };
}

raw_section!(RawSinks {
    tables, extend_tables, "tables", "extend-tables";
    functions, extend_functions, "functions", "extend-functions";
    function_words, extend_function_words, "function-words", "extend-function-words";
    write_verbs, extend_write_verbs, "write-verbs", "extend-write-verbs";
    urls, extend_urls, "urls", "extend-urls";
});
raw_section!(RawReporters {
    methods, extend_methods, "methods", "extend-methods";
    receivers, extend_receivers, "receivers", "extend-receivers";
    functions, extend_functions, "functions", "extend-functions";
});
raw_section!(RawHandlers {
    propagate, extend_propagate, "propagate", "extend-propagate";
    noop, extend_noop, "noop", "extend-noop";
    swallow, extend_swallow, "swallow", "extend-swallow";
    settle, extend_settle, "settle", "extend-settle";
});
raw_section!(RawFlags {
    names, extend_names, "names", "extend-names";
});

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFiles {
    exclude: Option<Vec<Spanned<String>>>,
    #[serde(rename = "extend-exclude")]
    extend_exclude: Option<Vec<Spanned<String>>>,
    #[serde(rename = "max-file-size")]
    max_file_size: Option<Spanned<i64>>,
    tests: Option<Vec<Spanned<String>>>,
    #[serde(rename = "extend-tests")]
    extend_tests: Option<Vec<Spanned<String>>>,
    #[serde(rename = "check-tests")]
    check_tests: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuppressions {
    #[serde(rename = "min-reason-length")]
    min_reason_length: Option<Spanned<i64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    sinks: RawSinks,
    #[serde(default)]
    reporters: RawReporters,
    #[serde(default)]
    handlers: RawHandlers,
    #[serde(default)]
    flags: RawFlags,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Spanned<Level>>,
    #[serde(default)]
    files: RawFiles,
    #[serde(default)]
    suppressions: RawSuppressions,
}

impl RawConfig {
    fn from_str(text: &str, path: &str) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|err| {
            let offset = err.span().map_or(0, |s| s.start);
            let message = plain_message(err.message().trim(), key_before(text, offset));
            located(text, path, offset, message)
        })
    }
}

/// The key whose value holds `offset`: the nearest `key =` at the start of a line at or above
/// it (a list may span lines).
fn key_before(text: &str, offset: usize) -> Option<&str> {
    let offset = offset.min(text.len());
    let end = text[offset..].find('\n').map_or(text.len(), |n| offset + n);
    text[..end].lines().rev().find_map(|line| {
        let (key, _) = line.split_once('=')?;
        let key = key.trim().trim_matches('"');
        let bare = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        bare.then_some(key)
    })
}

/// serde's type errors (`invalid type: string "2MB", expected i64`) in the words of the file:
/// what the key takes, with an example, and the value that was found.
fn plain_message(message: &str, key: Option<&str>) -> String {
    let Some(key) = key else {
        return message.to_string();
    };
    if let Some(rest) = message.strip_prefix("unknown variant ")
        && rest.contains("expected one of `off`")
    {
        let found = rest.split(',').next().unwrap_or(rest);
        return format!(
            "`{key}`: a rule's level is \"off\", \"warning\" or \"error\", not {found}"
        );
    }
    let Some((found, expected)) = message
        .strip_prefix("invalid type: ")
        .and_then(|rest| rest.split_once(", expected "))
    else {
        return message.to_string();
    };
    let found = shown_value(found);
    let wants = match (key, expected) {
        ("max-file-size", _) => "a number of bytes, e.g. 2097152 (2 MiB)".to_string(),
        ("min-reason-length", _) => "a number of characters, e.g. 10".to_string(),
        (_, "a boolean") => "true or false".to_string(),
        (_, "a sequence") => format!("a list of strings, e.g. {key} = [\"audit_*\"]"),
        (_, "a string") => format!("a list of quoted strings, e.g. {key} = [\"audit_*\"]"),
        (_, "i64") => "a whole number".to_string(),
        _ => return message.to_string(),
    };
    format!("`{key}` must be {wants}, not {found}")
}

/// `string "2MB"` → `"2MB"`, ``integer `1` `` → `1`; other kinds (`sequence`, `map`) in words.
fn shown_value(found: &str) -> String {
    if let Some(text) = found.strip_prefix("string ") {
        return text.to_string();
    }
    for kind in ["integer ", "floating point ", "boolean "] {
        if let Some(value) = found.strip_prefix(kind) {
            return value.trim_matches('`').to_string();
        }
    }
    match found {
        "sequence" => "a list".to_string(),
        "map" => "a table".to_string(),
        other => other.to_string(),
    }
}

fn located(text: &str, path: &str, offset: usize, message: String) -> ConfigError {
    let pos = LineIndex::new(text).position(text, offset);
    ConfigError {
        path: path.to_string(),
        line: pos.line,
        column: pos.column,
        message,
    }
}

/// Lists keyed `section.key`, each entry with where it came from (for glob errors).
struct Merged {
    lists: BTreeMap<String, Vec<Located>>,
    levels: BTreeMap<String, Level>,
    max_file_size: u64,
    check_tests: bool,
    min_reason_length: usize,
}

#[derive(Clone)]
struct Located {
    value: String,
    /// The file's text and path (shared by all its entries) and the entry's offset.
    origin: (Arc<str>, Arc<str>, usize),
}

impl Merged {
    fn from_defaults(raw: RawConfig) -> Result<Self, ConfigError> {
        let mut merged = Merged {
            lists: BTreeMap::new(),
            levels: BTreeMap::new(),
            max_file_size: 2 * 1024 * 1024,
            check_tests: false,
            min_reason_length: 10,
        };
        merged.apply(raw, DEFAULT_CONFIG, "<embedded rules/default.toml>", None)?;
        Ok(merged)
    }

    fn apply(
        &mut self,
        raw: RawConfig,
        text: &str,
        path: &str,
        known_rules: Option<&[&str]>,
    ) -> Result<(), ConfigError> {
        let sections = [
            ("sinks", raw.sinks.lists()),
            ("reporters", raw.reporters.lists()),
            ("handlers", raw.handlers.lists()),
            ("flags", raw.flags.lists()),
            (
                "files",
                vec![
                    ("exclude", raw.files.exclude, raw.files.extend_exclude),
                    ("tests", raw.files.tests, raw.files.extend_tests),
                ],
            ),
        ];
        let (shared_text, shared_path): (Arc<str>, Arc<str>) = (Arc::from(text), Arc::from(path));
        for (section, lists) in sections {
            for (key, replace, extend) in lists {
                let entry = self.lists.entry(format!("{section}.{key}")).or_default();
                let to_located = |v: Spanned<String>| Located {
                    origin: (
                        Arc::clone(&shared_text),
                        Arc::clone(&shared_path),
                        v.span().start,
                    ),
                    value: v.into_inner(),
                };
                if let Some(values) = replace {
                    *entry = values.into_iter().map(to_located).collect();
                }
                if let Some(values) = extend {
                    entry.extend(values.into_iter().map(to_located));
                }
            }
        }
        for (rule, level) in raw.rules {
            if let Some(known_rules) = known_rules
                && !known_rules.contains(&rule.get_ref().as_str())
            {
                let mut known = known_rules.to_vec();
                known.sort_unstable();
                return Err(located(
                    text,
                    path,
                    rule.span().start,
                    format!(
                        "unknown rule `{}` (known rules: {})",
                        rule.get_ref(),
                        known.join(", ")
                    ),
                ));
            }
            self.levels.insert(rule.into_inner(), level.into_inner());
        }
        if let Some(size) = raw.files.max_file_size {
            let bytes = u64::try_from(*size.get_ref()).ok().filter(|&b| b > 0);
            let Some(bytes) = bytes else {
                return Err(located(
                    text,
                    path,
                    size.span().start,
                    "`max-file-size` must be a positive number of bytes, e.g. 2097152 (2 MiB)"
                        .to_string(),
                ));
            };
            self.max_file_size = bytes;
        }
        if let Some(check_tests) = raw.files.check_tests {
            self.check_tests = check_tests;
        }
        if let Some(length) = raw.suppressions.min_reason_length {
            let Some(length) = usize::try_from(*length.get_ref()).ok() else {
                return Err(located(
                    text,
                    path,
                    length.span().start,
                    "`min-reason-length` must be a number of characters, 0 or more".to_string(),
                ));
            };
            self.min_reason_length = length;
        }
        Ok(())
    }

    fn list(&self, key: &str) -> &[Located] {
        self.lists.get(key).map_or(&[], Vec::as_slice)
    }

    fn words(&self, key: &str) -> Vec<String> {
        self.list(key).iter().map(|l| l.value.clone()).collect()
    }

    fn globs(&self, key: &str) -> Result<GlobMatcher, ConfigError> {
        GlobMatcher::new(key, self.list(key), true)
    }

    fn build(self) -> Result<Config, ConfigError> {
        let vocab = Vocabulary {
            tables: self.globs("sinks.tables")?,
            functions: self.globs("sinks.functions")?,
            function_words: lowercase(self.words("sinks.function-words")),
            write_verbs: lowercase(self.words("sinks.write-verbs")),
            urls: self.globs("sinks.urls")?,
            reporter_methods: self.words("reporters.methods"),
            reporter_receivers: self.globs("reporters.receivers")?,
            reporter_functions: self.globs("reporters.functions")?,
            propagators: self.globs("handlers.propagate")?,
            noops: self.globs("handlers.noop")?,
            swallowers: self.globs("handlers.swallow")?,
            settlers: self.globs("handlers.settle")?,
            flags: self.words("flags.names"),
        };
        // Matched on every path the walk meets: compiled now.
        let exclude = compiled_now("files.exclude", self.list("files.exclude"), false)?;
        let exclude_patterns = self.words("files.exclude");
        let tests = compiled_now("files.tests", self.list("files.tests"), false)?;
        Ok(Config {
            vocab,
            levels: self.levels,
            exclude,
            exclude_patterns,
            tests,
            check_tests: self.check_tests,
            max_file_size: self.max_file_size,
            min_reason_length: self.min_reason_length,
        })
    }
}

fn lowercase(words: Vec<String>) -> Vec<String> {
    words.into_iter().map(|w| w.to_lowercase()).collect()
}

/// A compiled list of globs that remembers the patterns (for the prefilter's literals).
///
/// A short list (the defaults and a few additions) is compiled on its first use, not when the
/// configuration is read: a run answered from the whole-run cache never matches a vocabulary
/// (compiling them all was 13 % of such a run). Its patterns are checked when read; should the
/// set still not compile, each pattern is matched on its own.
#[derive(Debug, Clone)]
pub struct GlobMatcher {
    compiled: std::sync::OnceLock<Compiled>,
    globs: Vec<Glob>,
    pub patterns: Vec<String>,
}

#[derive(Debug, Clone)]
enum Compiled {
    Set(GlobSet),
    Each(Vec<globset::GlobMatcher>),
}

/// `[section] key` as a user's file spells it, for messages.
fn shown(key: &str) -> (String, &str) {
    let (section, name) = key.split_once('.').unwrap_or(("", key));
    (format!("[{section}] {name}"), name)
}

/// An error at `item`'s place in its file.
fn at(item: &Located, message: String) -> ConfigError {
    let (text, path, offset) = &item.origin;
    located(text, path, *offset, message)
}

/// The list's patterns, each checked: at most [`MAX_PATTERNS`] of at most
/// [`MAX_PATTERN_BYTES`], each a valid glob.
fn checked_globs(
    key: &str,
    list: &[Located],
    case_insensitive: bool,
) -> Result<Vec<Glob>, ConfigError> {
    let (shown, name) = shown(key);
    if let Some(item) = list.get(MAX_PATTERNS) {
        return Err(at(
            item,
            format!(
                "too many patterns in `{shown}` (with `extend-{name}` and the defaults): {} (at most {MAX_PATTERNS})",
                list.len()
            ),
        ));
    }
    if let Some(item) = list.iter().find(|i| i.value.len() > MAX_PATTERN_BYTES) {
        return Err(at(
            item,
            format!(
                "a pattern in `{shown}` is {} bytes long (at most {MAX_PATTERN_BYTES})",
                item.value.len()
            ),
        ));
    }
    list.iter()
        .map(|item| {
            GlobBuilder::new(&item.value)
                .case_insensitive(case_insensitive)
                .literal_separator(!case_insensitive)
                .build()
                .map_err(|err| {
                    at(
                        item,
                        format!("invalid pattern `{}`: {}", item.value, err.kind()),
                    )
                })
        })
        .collect()
}

/// The list's globs as one set, or a configuration error at the list's last pattern.
fn located_set(key: &str, list: &[Located], globs: &[Glob]) -> Result<GlobSet, ConfigError> {
    build(globs).map_err(|err| {
        let message = format!(
            "the patterns of `{}` cannot be compiled together: {err}",
            shown(key).0
        );
        match list.last() {
            Some(item) => at(item, message),
            None => ConfigError {
                path: String::new(),
                line: 0,
                column: 0,
                message,
            },
        }
    })
}

/// A list matched on every path (`[files]`), compiled when read.
fn compiled_now(
    key: &str,
    list: &[Located],
    case_insensitive: bool,
) -> Result<GlobSet, ConfigError> {
    located_set(key, list, &checked_globs(key, list, case_insensitive)?)
}

/// The globs as one set.
fn build(globs: &[Glob]) -> Result<GlobSet, globset::Error> {
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        builder.add(glob.clone());
    }
    builder.build()
}

/// Lists of at most this many bytes of patterns are compiled on first use: far below what
/// could fail to compile together (the limit is on the automaton: megabytes).
const LAZY_PATTERN_BYTES: usize = 16 * 1024;

/// At most this many patterns in one list (defaults included): real vocabularies hold dozens,
/// and tens of thousands took seconds to compile into one automaton, then failed.
pub const MAX_PATTERNS: usize = 1_000;
/// At most this many bytes in one pattern (a table name, a dotted function name, a URL).
pub const MAX_PATTERN_BYTES: usize = 1_000;

impl GlobMatcher {
    /// `key` is `section.key`, named in errors as the file spells it: `[sinks] tables`.
    fn new(key: &str, list: &[Located], case_insensitive: bool) -> Result<Self, ConfigError> {
        let globs = checked_globs(key, list, case_insensitive)?;
        let long = list.iter().map(|l| l.value.len()).sum::<usize>() > LAZY_PATTERN_BYTES;
        let compiled = if long {
            // Compiled now, so that a long list that cannot be is a configuration error.
            std::sync::OnceLock::from(Compiled::Set(located_set(key, list, &globs)?))
        } else {
            std::sync::OnceLock::new()
        };
        Ok(Self {
            compiled,
            globs,
            patterns: list.iter().map(|l| l.value.clone()).collect(),
        })
    }

    fn compiled(&self) -> &Compiled {
        self.compiled.get_or_init(|| match build(&self.globs) {
            Ok(set) => Compiled::Set(set),
            Err(_) => Compiled::Each(self.globs.iter().map(Glob::compile_matcher).collect()),
        })
    }

    pub fn is_match(&self, text: &str) -> bool {
        match self.compiled() {
            Compiled::Set(set) => set.is_match(text),
            Compiled::Each(each) => each.iter().any(|glob| glob.is_match(text)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &[&str] = &["audit-error-swallowed", "audit-write-floating"];

    #[test]
    fn defaults_parse() {
        let config = Config::defaults(RULES);
        assert!(config.vocab.tables.is_match("staff_audit_logs"));
        assert!(!config.vocab.tables.is_match("menu_items"));
    }

    /// A vocabulary compiled on first use matches as one compiled set, and as its patterns
    /// matched one by one (what it falls back to if the set would not compile).
    #[test]
    fn lazy_vocabulary_matches_as_each_pattern() {
        let text = "[sinks]\nextend-tables = [\"compliance_*\", \"*_Trail\"]\n";
        let config = Config::parse(Some((text, "auditlint.toml")), RULES).expect("parses");
        let tables = &config.vocab.tables;
        assert!(
            tables.compiled.get().is_none(),
            "compiled before its first use"
        );
        let each = Compiled::Each(tables.globs.iter().map(Glob::compile_matcher).collect());
        let fallback = GlobMatcher {
            compiled: std::sync::OnceLock::from(each),
            globs: tables.globs.clone(),
            patterns: tables.patterns.clone(),
        };
        let names = [
            "audit_logs",
            "AUDIT_LOG",
            "compliance_events",
            "login_trail",
            "users",
            "",
        ];
        for name in names {
            assert_eq!(tables.is_match(name), fallback.is_match(name), "{name}");
        }
        assert!(tables.is_match("compliance_events") && !tables.is_match("users"));
        assert!(matches!(tables.compiled.get(), Some(Compiled::Set(_))));
    }

    #[test]
    fn user_lists_extend_or_replace() {
        let text = "[sinks]\nextend-tables = [\"compliance_*\"]\n[flags]\nnames = [\"landed\"]\n";
        let config = Config::parse(Some((text, "auditlint.toml")), RULES).unwrap();
        assert!(config.vocab.tables.is_match("compliance_rows"));
        assert!(config.vocab.tables.is_match("audit_logs"));
        assert_eq!(config.vocab.flags, vec!["landed".to_string()]);
    }

    #[test]
    fn test_paths_are_not_checked_by_default() {
        let config = Config::defaults(RULES);
        assert!(!config.check_tests);
        for path in [
            "tests/cli.rs",
            "crates/core/tests/index.rs",
            "src/__tests__/audit.ts",
            "src/__mocks__/db.ts",
            "src/audit.test.ts",
            "audit.spec.tsx",
            "apps/web/e2e/login.ts",
            "benches/parse.rs",
            "examples/demo.rs",
            "packages/api/test/helpers.js",
        ] {
            assert!(config.tests.is_match(path), "{path}");
        }
        for path in [
            "src/audit.ts",
            "src/testing.ts",
            "src/contest/a.ts",
            "latest/a.ts",
        ] {
            assert!(!config.tests.is_match(path), "{path}");
        }
        let text = "[files]\ncheck-tests = true\nextend-tests = [\"**/fixtures/**\"]\n";
        let config = Config::parse(Some((text, "auditlint.toml")), RULES).unwrap();
        assert!(config.check_tests);
        assert!(config.tests.is_match("src/fixtures/a.ts"));
        let text = "[files]\ncheck-tests = \"yes\"\n";
        let err = Config::parse(Some((text, "auditlint.toml")), RULES).unwrap_err();
        assert_eq!((err.line, err.column), (2, 15), "{err}");
    }

    #[test]
    fn suppression_settings() {
        assert_eq!(Config::defaults(RULES).min_reason_length, 10);
        let text = "[suppressions]\nmin-reason-length = 25\n";
        let config = Config::parse(Some((text, "auditlint.toml")), RULES).unwrap();
        assert_eq!(config.min_reason_length, 25);
    }

    #[test]
    fn errors_carry_line_and_column() {
        let text = "[rules]\naudit-error-swallowed = \"loud\"\n";
        let err = Config::parse(Some((text, "auditlint.toml")), RULES).unwrap_err();
        assert_eq!((err.line, err.column), (2, 25), "{err}");
        let text = "[sinks]\n\ntables = [\"a[\"]\n";
        let err = Config::parse(Some((text, "auditlint.toml")), RULES).unwrap_err();
        assert_eq!((err.line, err.column), (3, 11), "{err}");
        let text = "[rules]\nno-such-rule = \"off\"\n";
        let err = Config::parse(Some((text, "auditlint.toml")), RULES).unwrap_err();
        assert!(err.message.contains("unknown rule `no-such-rule`"), "{err}");
        let text = "[suppressions]\nmin-reason-length = -1\n";
        let err = Config::parse(Some((text, "auditlint.toml")), RULES).unwrap_err();
        assert_eq!((err.line, err.column), (2, 21), "{err}");
        let text = "[suppressions]\nmin-reason = 3\n";
        let err = Config::parse(Some((text, "auditlint.toml")), RULES).unwrap_err();
        assert_eq!(err.line, 2, "{err}");
        let text = "[sinkz]\n";
        let err = Config::parse(Some((text, "auditlint.toml")), RULES).unwrap_err();
        assert_eq!(err.line, 1, "{err}");
    }
}
