//! A long-lived project for the language server: discovered and read once, then updated file by
//! file (open buffers, saves, watched-file events). Facts are cached per file text, so a change
//! re-parses one file and re-runs the index and the rules.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use auditlint_core::resolve::Resolver;
use auditlint_core::{Config, FileError, Finding};

use crate::analysis::{self, FactsCache, Prefilter, Source, Text};
use crate::paths::slash;
use crate::project::find_project;
use crate::{EngineError, discover, read};

pub struct Workspace {
    root: PathBuf,
    config: Config,
    config_file: Option<PathBuf>,
    sources: Vec<Source>,
    /// The first prefilter matched this source's current text.
    matched: Vec<bool>,
    by_path: HashMap<String, usize>,
    manifests: Vec<String>,
    resolver: Resolver,
    literals: Vec<String>,
    first_round: Prefilter,
    cache: FactsCache,
    /// Open documents: their text wins over the disk's.
    open: HashMap<String, Text>,
    /// The last parsed text and tree of each open document, for incremental re-parsing.
    trees: HashMap<String, (Text, auditlint_ts::SyntaxTree)>,
    /// Open documents over `[files] max-file-size`, with the message that says so: like the
    /// CLI, the server does not analyse them (a 50 MB buffer took seconds and 500 MB).
    oversized: HashMap<String, String>,
    /// Problems found while loading (unreadable files, bad manifests).
    pub load_errors: Vec<FileError>,
}

impl Workspace {
    /// Finds the project around `dir` (nearest `auditlint.toml`, else the git root) and reads it.
    pub fn load(dir: &Path) -> Result<Self, EngineError> {
        let project = find_project(dir, None)?;
        let root = crate::paths::canonical(&project.root);
        let literals = project.config.vocab.prefilter_literals();
        let first_round = Prefilter::case_insensitive(&literals);
        let mut workspace = Workspace {
            root,
            config: project.config,
            config_file: project.config_file,
            sources: Vec::new(),
            matched: Vec::new(),
            by_path: HashMap::new(),
            manifests: Vec::new(),
            resolver: Resolver::default(),
            literals,
            first_round,
            cache: FactsCache::new(),
            open: HashMap::new(),
            trees: HashMap::new(),
            oversized: HashMap::new(),
            load_errors: Vec::new(),
        };
        workspace.rescan();
        Ok(workspace)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A suppression reason that says TODO and that this project's `min-reason-length`
    /// accepts (see [`crate::todo_reason`]).
    pub fn todo_reason(&self) -> String {
        crate::suppress::todo_reason(self.config.min_reason_length)
    }

    /// The configuration file in use, if any.
    pub fn config_file(&self) -> Option<&Path> {
        self.config_file.as_deref()
    }

    /// Walks and reads the project again (after a configuration or file-tree change), keeping
    /// open documents' texts and cached facts.
    pub fn rescan(&mut self) {
        let config = &self.config;
        let read = |absolute: &Path| read::read_source(absolute, config.max_file_size);
        let first_round = &self.first_round;
        // The whole project, as a one-shot run sees it: generated code and tests are skipped
        // (an open document is analysed whatever it is: the user is looking at it).
        let (discovered, mut errors) =
            discover::discover(&self.root, config, &[], &read, &|path, text| {
                // Every text is kept: the workspace runs its rounds again on each change.
                if first_round.matches(path, text) {
                    discover::Verdict::Selected
                } else {
                    discover::Verdict::Kept
                }
            });
        let paths: Vec<String> = discovered.sources.iter().map(|s| s.path.clone()).collect();
        let (sources, round_one) = analysis::sources_from(discovered.sources, &mut errors);
        self.matched = vec![false; sources.len()];
        for i in round_one {
            self.matched[i] = true;
        }
        self.sources = sources;
        self.by_path = paths
            .iter()
            .enumerate()
            .map(|(i, p)| (p.clone(), i))
            .collect();
        self.manifests = discovered.manifests;
        self.resolver = crate::manifests_resolver(
            paths,
            &crate::read_manifests(&self.root, &self.manifests),
            &mut errors,
        );
        self.load_errors = errors;
        let open: Vec<(String, Text)> = self.open.drain().collect();
        for (path, text) in open {
            self.set_text(&path, Some(text.clone()));
            self.open.insert(path, text);
        }
        let oversized: Vec<String> = self.oversized.keys().cloned().collect();
        for path in oversized {
            self.set_text(&path, None);
        }
    }

    /// The project-relative path of an absolute path inside the project.
    pub fn relative(&self, path: &Path) -> Option<String> {
        let canonical = path
            .parent()
            .map(crate::paths::canonical)
            .and_then(|dir| Some(dir.join(path.file_name()?)))
            .unwrap_or_else(|| path.to_path_buf());
        canonical.strip_prefix(&self.root).ok().map(slash)
    }

    /// The current text of a project file (open buffer or disk).
    pub fn text(&self, rel: &str) -> Option<Text> {
        let i = *self.by_path.get(rel)?;
        self.sources[i].text.clone()
    }

    /// An editor opened or changed a document. One over `[files] max-file-size` is not kept
    /// nor analysed; [`Workspace::check_file`] reports it as the CLI does.
    pub fn open_document(&mut self, rel: &str, text: &str) {
        let size = text.len() as u64;
        if size > self.config.max_file_size {
            let max_size = self.config.max_file_size;
            self.oversized.insert(
                rel.to_string(),
                format!(
                    "skipped: {size} bytes is over the {max_size}-byte limit (`[files] max-file-size`)"
                ),
            );
            self.open.remove(rel);
            self.trees.remove(rel);
            self.set_text(rel, None);
            return;
        }
        self.oversized.remove(rel);
        let text: Text = Text::from(text);
        self.open.insert(rel.to_string(), text.clone());
        self.set_text(rel, Some(text));
    }

    /// An editor closed a document: the disk's text counts again.
    pub fn close_document(&mut self, rel: &str) {
        self.oversized.remove(rel);
        self.open.remove(rel);
        self.trees.remove(rel);
        self.refresh_file(rel);
    }

    /// A file changed on disk (saved, created, deleted): read it again unless it is open.
    pub fn refresh_file(&mut self, rel: &str) {
        if self.oversized.contains_key(rel) {
            self.set_text(rel, None);
            return;
        }
        if let Some(text) = self.open.get(rel).cloned() {
            self.set_text(rel, Some(text));
            return;
        }
        let absolute = self.root.join(rel);
        // Skipped as at load: build output and tests (unless open, above), generated text.
        if crate::generated::by_path(rel).is_some()
            || discover::is_skipped_test(rel, &self.config, &[])
        {
            self.remove(rel);
            return;
        }
        match read::read_source(&absolute, self.config.max_file_size) {
            Ok(text) => self.set_text(rel, Some(Text::from(text))),
            Err(_) if !absolute.exists() => self.remove(rel),
            Err(read::Unread::Generated(_)) => self.remove(rel),
            Err(read::Unread::Problem(_)) => self.set_text(rel, None),
        }
    }

    fn set_text(&mut self, rel: &str, text: Option<Text>) {
        if !discover::is_source(rel) {
            return;
        }
        let matched = text
            .as_deref()
            .is_some_and(|t| self.first_round.matches(rel, t));
        match self.by_path.get(rel) {
            Some(&i) => {
                self.sources[i].text = text;
                self.matched[i] = matched;
            }
            None => {
                self.by_path.insert(rel.to_string(), self.sources.len());
                self.sources.push(Source::new(rel.to_string(), text));
                self.matched.push(matched);
                self.rebuild_resolver();
            }
        }
    }

    fn remove(&mut self, rel: &str) {
        if let Some(i) = self.by_path.remove(rel) {
            self.sources[i].text = None;
            self.matched[i] = false;
            self.cache.remove(rel);
        }
    }

    fn rebuild_resolver(&mut self) {
        let paths: Vec<String> = self.sources.iter().map(|s| s.path.clone()).collect();
        let mut errors = Vec::new();
        self.resolver = crate::manifests_resolver(
            paths,
            &crate::read_manifests(&self.root, &self.manifests),
            &mut errors,
        );
    }

    /// The findings in one file, with the whole project's facts; paths are project-relative.
    pub fn check_file(&mut self, rel: &str) -> (Vec<Finding>, Vec<FileError>) {
        let trace = crate::Trace::new();
        let mut errors = Vec::new();
        self.reparse_open_document(rel);
        let round_one: Vec<usize> = (0..self.sources.len())
            .filter(|&i| self.matched[i])
            .collect();
        // Inline suppressions as in a one-shot run; an editor shows no silenced finding.
        let today = match crate::suppress::today() {
            Ok(today) => today,
            // Said on the document itself: with no date, no `until=` expires.
            Err(message) => {
                errors.push(FileError {
                    path: rel.to_string(),
                    message,
                });
                String::new()
            }
        };
        let (sources, config, root) = (&self.sources, &self.config, &self.root);
        let (_files, mut findings) = analysis::parse_rounds(
            sources,
            round_one,
            &self.literals,
            config,
            &self.resolver,
            Some(&mut self.cache),
            None,
            &mut errors,
            |index, files, file_source, errors| {
                trace.phase("parse rounds and index");
                let (mut findings, texts) = crate::rule_findings(
                    index,
                    files,
                    file_source,
                    sources,
                    config,
                    errors,
                    |path| path == rel,
                );
                trace.phase("rules");
                let extras = crate::Extras {
                    today,
                    inventory: false,
                    root,
                    store: None,
                };
                let scopes = [rel.to_string()];
                // It also returns the suppression records and the inventory: evidence exports,
                // which an editor does not show.
                let (_records, _inventory) = crate::finish_findings(
                    index,
                    &texts,
                    config,
                    &scopes,
                    &extras,
                    &mut findings,
                    errors,
                );
                findings
            },
        );
        findings.retain(|f| f.suppressed.is_none());
        errors.retain(|e| e.path == rel);
        if let Some(message) = self.oversized.get(rel) {
            errors.push(FileError {
                path: rel.to_string(),
                message: message.clone(),
            });
        }
        trace.phase("findings");
        (findings, errors)
    }

    /// An open document that changed is re-parsed incrementally from its previous tree, and
    /// its facts go into the cache the analysis reads (which then does not parse it again).
    fn reparse_open_document(&mut self, rel: &str) {
        let Some(text) = self.open.get(rel).cloned() else {
            return;
        };
        let Some(language) = auditlint_ts::language_of(rel) else {
            return;
        };
        let hash = auditlint_core::diagnostic::stable_hash(&[&text]);
        if self
            .cache
            .get(rel)
            .is_some_and(|(cached, _)| *cached == hash)
        {
            return;
        }
        let previous = self.trees.remove(rel);
        let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let previous = previous.as_ref().map(|(old, tree)| (&**old, tree));
            auditlint_ts::extract_incremental(&text, language, previous)
        }));
        // Over the parse time limit: that is the file's result (parsing it again from scratch
        // would only take as long once more). Anything else unusual (the parser gave up, a
        // panic): the regular path parses the file from scratch and reports what went wrong.
        match parsed {
            Ok(Ok((facts, tree))) => {
                self.cache
                    .insert(rel.to_string(), (hash, Ok(Arc::new(facts))));
                self.trees.insert(rel.to_string(), (text, tree));
            }
            Ok(Err(limit @ auditlint_ts::ExtractError::TimeLimit(_))) => {
                self.cache
                    .insert(rel.to_string(), (hash, Err(limit.to_string())));
            }
            _ => {}
        }
    }
}
