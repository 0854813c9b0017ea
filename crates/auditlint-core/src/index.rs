//! The project index: joins every file's facts, resolves callees across files, finds the
//! transitive audit writers to a fixpoint, and evaluates what happens to each audit write's
//! error. Rules read its [`AuditSite`]s.

mod go;
mod python;
mod rust;
mod ts;

use std::collections::{HashMap, HashSet};

/// The index's own lookups, asked once or more per call of every parsed file (see the manifest).
type FastMap<K, V> = foldhash::HashMap<K, V>;
type FastSet<T> = foldhash::HashSet<T>;

use crate::facts::{
    DropKind, Effects, Export, FileFacts, FnId, GuardStep, HandlerBody, HandlerKind, Imported,
    Operation,
};
use crate::resolve::Resolver;
use crate::span::Span;
use crate::vocab::{SinkName, Vocabulary};

/// One parsed file of the project.
#[derive(Debug)]
pub struct ProjectFile {
    /// Project-relative, `/`-separated.
    pub path: String,
    /// Shared, so a long-lived workspace (the LSP server) reuses unchanged files' facts.
    pub facts: std::sync::Arc<FileFacts>,
}

/// A function somewhere in the project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FnRef {
    pub file: u32,
    pub func: FnId,
}

/// A function whose body contains an audit write whose error can escape it.
#[derive(Debug, Clone)]
pub struct Writer {
    pub sink: SinkName,
    /// Where the underlying audit write is.
    pub write: (u32, Span),
    /// Its callers receive a rejected promise (rather than a synchronous throw).
    pub is_async: bool,
}

/// What happens to an audit write's error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It leaves the enclosing function (a caller deals with it).
    Escapes {
        function: Option<FnId>,
        is_async: bool,
    },
    /// A handler passes it on, surfaces it or records it.
    Handled(Handling),
    /// A handler drops it.
    Swallowed { handler: Span, reason: String },
    /// The promise is dropped: nobody awaits it or handles its rejection.
    Floating { span: Span, how: DropKind },
    /// Stored or handed to other code: not this site's business.
    OutOfScope,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handling {
    Surfaces(String),
    Records(String),
    /// Converted into a failure value the caller must read (`catch (e) { return e }`).
    ReturnsError,
    /// A handler we cannot see into (a function from a library).
    Unknown(String),
    /// Turned into a panic (`.unwrap()`, `.expect(..)`).
    Panics,
    /// An HTTP error response carries the failure to the client.
    Responds(String),
    /// The error is stored where it outlives the handler (`resource.error = msg`).
    Stores(String),
}

/// How a handler deals with the error it receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandlerClass {
    Propagates,
    Handles(Handling),
    Swallows(String),
}

/// An audit write and its fate.
#[derive(Debug, Clone)]
pub struct AuditSite {
    pub file: u32,
    pub op: u32,
    pub sink: SinkName,
    /// The project function called, for writes through a wrapper.
    pub via: Option<FnRef>,
    pub outcome: Outcome,
}

pub struct Index<'a> {
    pub files: &'a [ProjectFile],
    pub vocab: &'a Vocabulary,
    resolver: &'a Resolver,
    by_path: FastMap<&'a str, u32>,
    /// Each file's language family, and whether it is browser code ([`ts::is_browser`]): worked
    /// out once, not for every candidate of every call resolved by name.
    file_kinds: Vec<(Family, bool)>,
    functions_by_name: FastMap<&'a str, Vec<FnRef>>,
    /// Declared types by name: (file, index in its `types`).
    pub(crate) types_by_name: FastMap<&'a str, Vec<(u32, u32)>>,
    table_objects: FastMap<&'a str, &'a str>,
    /// Names of the project's classes, structs and impl types (those that have methods).
    classes: FastSet<&'a str>,
    /// Go struct fields' declared types: `Service::store` → `AuditStore`.
    go_fields: FastMap<&'a str, &'a str>,
    pub writers: HashMap<FnRef, Writer>,
    pub sites: Vec<AuditSite>,
    /// Functions whose results carry an audit flag or a failure value.
    pub producers: HashMap<FnRef, crate::flags::Producer>,
    /// Every call of a producer, observed or not.
    pub flag_sites: Vec<crate::flags::FlagSite>,
    /// Python modules by dotted name and every dotted suffix of it (`app.services.audit`,
    /// `services.audit`, `audit`), built on first use (see `python.rs`).
    python_modules: std::cell::OnceCell<HashMap<String, Vec<u32>>>,
    /// Callee resolutions by file and dotted path: the fixpoints ask the same ones many times.
    resolved_calls: std::cell::RefCell<FastMap<u32, FastMap<String, Option<FnRef>>>>,
    /// How many [`Index::resolve_call`]s are under way: a receiver bound to another call
    /// (`const a = b.x()`) resolves that call first, and such bindings can chain or loop.
    call_depth: std::cell::Cell<u32>,
}

/// What the engine's next prefilter round looks for in the files not parsed yet: a file that
/// shows none of it cannot call a writer or producer found so far.
#[derive(Debug, Default)]
pub struct RoundNames {
    /// Names that matter wherever they appear as a whole identifier.
    pub words: HashSet<String>,
    /// Module names of TypeScript/JavaScript writers, and how a script can reach a writer there
    /// without naming it: only through a module specifier (`from "./purge"`,
    /// `require("../purge/index.js")`). Rust files look for them as words.
    pub modules: HashMap<String, ModuleReach>,
    /// Functions and class methods of scripts, and how a script can call one (see [`Reach`]).
    /// Rust files look for them as words.
    pub methods: HashMap<String, Reach>,
    /// What only Go files look for (Go writers are called from Go code only): `words` and
    /// `methods` as above, judged in Go files as in scripts.
    pub go_words: HashSet<String>,
    pub go_methods: HashMap<String, Reach>,
    /// Directories (Go packages) whose every Go file may call a writer unqualified.
    pub go_dirs: HashSet<String>,
}

/// How a script can call a function of a script by its name.
#[derive(Debug, Default, Clone)]
pub struct Reach {
    /// A plain call `record(..)` can reach it (it is no class method): every occurrence of the
    /// name outside a member expression counts. Otherwise only an import of the name does
    /// (`import { create } from "./models"`, through barrels: `create` followed by `,` `}` or
    /// `as`).
    pub by_name: bool,
    /// A member call `recv.create(..)` reaches it only when the file names one of these — its
    /// class, the interface it implements, a factory it is defined in (a typed binding, `new
    /// AuditService()`, `createAuditLogger()`) — or the receiver is named after one
    /// (`auditService.create`, see `unique_method`); a top-level function only through a
    /// namespace import of its module (see `modules`).
    pub classes: std::collections::BTreeSet<String>,
}

/// How a script reaches a writer's module without naming the writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ModuleReach {
    /// `import record from "./audit"`: the writer is (or may be) the module's default export.
    Default,
    /// `import * as audit from "./audit"`, `const audit = require("./audit")`: `audit.record`.
    Namespace,
}

/// `unique_method`'s rule: does a receiver named `receiver` name an instance of `class`?
/// (`audit_service` and `auditService` name an `AuditService`; `context` a `ReqContextClass`,
/// `auditService` an `AuditServiceImpl`: a `Class` or `Impl` suffix is no part of the name.)
pub fn receiver_names_class(receiver: &str, class: &str) -> bool {
    let receiver = receiver
        .trim_start_matches('_')
        .replace('_', "")
        .to_lowercase();
    let class = class.to_lowercase();
    let class = class
        .strip_suffix("class")
        .or_else(|| class.strip_suffix("impl"))
        .filter(|stem| !stem.is_empty())
        .unwrap_or(&class);
    receiver == class || receiver.ends_with(class) || class.ends_with(&receiver)
}

/// The languages whose names resolve alike: each has its module beside this one (`ts.rs`,
/// `rust.rs`) that says how a callee path names a project function and how code can reach a
/// writer (for the prefilter rounds); everything else here is language-neutral.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// TypeScript and JavaScript, any dialect.
    Script,
    Rust,
    Go,
    /// `.py` and `.pyi`: imports by package layout (see `python.rs`).
    Python,
}

impl Family {
    pub(crate) fn of(path: &str) -> Self {
        match crate::facts::Language::of_path(path) {
            Some(crate::facts::Language::Rust) => Family::Rust,
            Some(crate::facts::Language::Go) => Family::Go,
            Some(crate::facts::Language::Python) => Family::Python,
            _ => Family::Script,
        }
    }
}

/// Re-export chains longer than this are treated as unresolved (and cycles end here).
const MAX_RESOLVE_DEPTH: u32 = 24;

impl<'a> Index<'a> {
    pub fn build(files: &'a [ProjectFile], vocab: &'a Vocabulary, resolver: &'a Resolver) -> Self {
        let mut index = Index {
            files,
            vocab,
            resolver,
            by_path: FastMap::default(),
            file_kinds: files
                .iter()
                .map(|f| (Family::of(&f.path), ts::is_browser(&f.path)))
                .collect(),
            functions_by_name: FastMap::default(),
            types_by_name: FastMap::default(),
            table_objects: FastMap::default(),
            classes: FastSet::default(),
            go_fields: FastMap::default(),
            writers: HashMap::new(),
            sites: Vec::new(),
            producers: HashMap::new(),
            flag_sites: Vec::new(),
            python_modules: std::cell::OnceCell::new(),
            resolved_calls: std::cell::RefCell::new(FastMap::default()),
            call_depth: std::cell::Cell::new(0),
        };
        for (file_id, file) in files.iter().enumerate() {
            let file_id = file_id as u32;
            index.by_path.insert(file.path.as_str(), file_id);
            for (func, f) in file.facts.functions.iter().enumerate() {
                if let Some(class) = &f.class {
                    index.classes.insert(class.as_str());
                }
                if let Some(name) = &f.name {
                    index
                        .functions_by_name
                        .entry(name.as_str())
                        .or_default()
                        .push(FnRef {
                            file: file_id,
                            func: func as FnId,
                        });
                }
            }
            for (at, decl) in file.facts.types.iter().enumerate() {
                index
                    .types_by_name
                    .entry(decl.name.as_str())
                    .or_default()
                    .push((file_id, at as u32));
            }
            if Family::of(&file.path) == Family::Go {
                for binding in &file.facts.bindings {
                    if let (None, crate::facts::BindingSource::Type(ty)) =
                        (binding.scope, &binding.source)
                        && binding.name.contains("::")
                    {
                        index.go_fields.insert(binding.name.as_str(), ty.as_str());
                    }
                }
            }
            for table in &file.facts.table_objects {
                index
                    .table_objects
                    .insert(table.name.as_str(), table.table.as_str());
            }
        }
        index.find_writers();
        index.find_flags();
        index
    }

    /// The project file a module specifier names, if it was parsed.
    pub(crate) fn file_of(&self, from: &str, specifier: &str) -> Option<u32> {
        if Family::of(from) == Family::Python {
            return self.python_module(from, specifier);
        }
        let target = self.resolver.resolve(from, specifier)?;
        self.by_path.get(target.as_str()).copied()
    }

    /// Names the engine's next prefilter round looks for: those by which the writers found so
    /// far can be called (function names, module names, re-export aliases, table objects), and
    /// the project functions that swallowing handlers call or are (`.catch(quietly)` with
    /// `quietly` imported from a file that names no sink), which may turn out to surface.
    ///
    /// A superset of the files whose parsing could change the result is all it must give; how
    /// close it comes decides how many files a dense code base parses (see [`RoundNames`]).
    pub fn writer_names(&self) -> RoundNames {
        let mut round = RoundNames::default();
        for writer in self.writers.keys().chain(self.producers.keys()) {
            let file = &self.files[writer.file as usize];
            let function = &file.facts.functions[writer.func as usize];
            match Family::of(&file.path) {
                Family::Script => self.script_round_names(file, function, &mut round),
                Family::Rust => rust::round_names(&file.path, function, &mut round),
                Family::Go => self.go_round_names(writer.file, function, &mut round),
                Family::Python => python::round_names(function, &mut round),
            }
        }
        // Declared types that carry a flag: functions declared to return one are producers.
        round.words.extend(self.flag_type_names());
        // Re-export aliases, through any number of barrels.
        loop {
            let before = round.words.len();
            for file in self.files {
                for export in &file.facts.exports {
                    if let Export::From {
                        exported, imported, ..
                    } = export
                        && !round.words.contains(exported)
                        && (round.words.contains(imported)
                            || round.methods.contains_key(imported)
                            || round.modules.contains_key(imported))
                    {
                        round.words.insert(exported.clone());
                    }
                }
            }
            if round.words.len() == before {
                break;
            }
        }
        for (object, table) in &self.table_objects {
            if self.vocab.is_audit_table(table) {
                round.words.insert((*object).to_string());
            }
        }
        for site in &self.sites {
            // `RunInTransaction(db, func(..) error { .. write .. })`: whether the helper passes
            // the closure's error on is in its body, wherever it is.
            for step in &self.op(site.file, site.op).guard {
                if let GuardStep::IntoCall { callee, .. } = step {
                    round.words.insert(last_segment(callee).to_string());
                }
            }
            if let Outcome::Swallowed { handler, .. } = &site.outcome {
                self.handler_names(
                    site.file,
                    self.op(site.file, site.op),
                    *handler,
                    &mut round.words,
                );
            }
        }
        round
    }

    /// The unresolved project-looking calls of the handler at `span` on `op`'s error path.
    fn handler_names(&self, file: u32, op: &Operation, span: Span, names: &mut HashSet<String>) {
        let Some(body) = op.guard.iter().find_map(|step| match step {
            GuardStep::Handler(h) if h.span == span => Some(&h.body),
            _ => None,
        }) else {
            return;
        };
        let calls: Vec<&str> = match body {
            HandlerBody::Reference(path) => vec![path.as_str()],
            HandlerBody::Inline(effects) => effects.calls.iter().map(String::as_str).collect(),
            HandlerBody::Discard | HandlerBody::DroppedValue => Vec::new(),
        };
        let facts = &self.files[file as usize].facts;
        for call in calls {
            if call.contains("()") || self.resolve_call(file, call).is_some() {
                continue;
            }
            let first = call.split('.').next().unwrap_or(call);
            let last = last_segment(call);
            if let Some(import) = facts.imports.iter().find(|i| i.local == first) {
                if let Imported::Named(imported) = &import.imported {
                    names.insert(imported.clone());
                }
                if let Some(stem) = module_stem(&import.source) {
                    names.insert(stem.to_string());
                }
                names.insert(last.to_string());
            }
        }
    }

    fn op(&self, file: u32, op: u32) -> &'a Operation {
        &self.files[file as usize].facts.ops[op as usize]
    }

    /// Finds direct audit writes, then wrappers of them, to a fixpoint.
    ///
    /// Evidence, not names: a call that resolves to a project function is an audit write only
    /// when that function's body (transitively) holds an audit write whose error escapes it —
    /// found by [`Self::find_wrapper_calls`]. A mapper named `transformAuditLog`, a getter
    /// `audit_tags()` or a helper that handles its own write's failure is no audit write to its
    /// callers. Names decide only for callees that do not resolve into the project (libraries,
    /// injected services whose class is not in the tree).
    fn find_writers(&mut self) {
        let mut site_of: FastMap<(u32, u32), usize> = FastMap::default();
        for (file_id, file) in self.files.iter().enumerate() {
            for (op_id, op) in file.facts.ops.iter().enumerate() {
                let (file_id, op_id) = (file_id as u32, op_id as u32);
                let sink = match self.syntax_sink(op) {
                    Some(sink) => sink,
                    None => {
                        let Some(sink) = self.name_sink(op) else {
                            continue;
                        };
                        // Python: `self.audit_trail.append(entry)`, `audit_events.add(e)` are a
                        // list's or a set's methods — an in-memory collection, no write.
                        if Family::of(&file.path) == Family::Python
                            && matches!(
                                last_segment(&op.callee),
                                "append" | "appendleft" | "extend" | "add" | "insert"
                            )
                        {
                            continue;
                        }
                        if self.resolve_op(file_id, op).is_some()
                            || self.names_project_value(file_id, &op.callee)
                            || !self.member_assigned(file_id, &op.callee).is_empty()
                        {
                            continue;
                        }
                        // A Rust call we cannot see into, dropped by a statement: whether it
                        // returns a `Result` at all is unknown (rustc's `unused_must_use` warns
                        // when it does).
                        if drops_value(op) {
                            continue;
                        }
                        sink
                    }
                };
                let outcome = self.evaluate(file_id, op, op.is_promise);
                site_of.insert((file_id, op_id), self.sites.len());
                self.sites.push(AuditSite {
                    file: file_id,
                    op: op_id,
                    sink,
                    via: None,
                    outcome,
                });
            }
        }
        for i in 0..self.sites.len() {
            let site = self.sites[i].clone();
            self.note_writer(&site);
        }
        self.find_wrapper_calls(&mut site_of);
        self.sites.sort_by_key(|s| (s.file, s.op));
    }

    /// Calls of the writers found so far are audit writes too: iterate until no new writer
    /// appears.
    fn find_wrapper_calls(&mut self, site_of: &mut FastMap<(u32, u32), usize>) {
        // What each call resolves to does not depend on which functions are writers: resolved
        // once, before the fixpoint, so each round only looks the targets up.
        let mut calls: Vec<(u32, u32, FnRef)> = Vec::new();
        for (file_id, file) in self.files.iter().enumerate() {
            let file_id = file_id as u32;
            for (op_id, op) in file.facts.ops.iter().enumerate() {
                let op_id = op_id as u32;
                if site_of.contains_key(&(file_id, op_id)) {
                    continue;
                }
                if let Some(target) = self
                    .resolve_op(file_id, op)
                    .or_else(|| self.resolve_chain_head(file_id, op))
                {
                    calls.push((file_id, op_id, target));
                } else {
                    // `req.audit(..)` may reach any function assigned to `req.audit`: it writes
                    // when one of them does (the first, in file order, is its `via`).
                    for target in self.member_assigned(file_id, &op.callee) {
                        calls.push((file_id, op_id, target));
                    }
                }
            }
        }
        loop {
            let mut changed = false;
            for &(file_id, op_id, target) in &calls {
                if site_of.contains_key(&(file_id, op_id)) {
                    continue;
                }
                let Some(writer) = self.writers.get(&target) else {
                    continue;
                };
                let op = self.op(file_id, op_id);
                let sink = writer.sink.clone();
                let is_async = op.is_promise || writer.is_async;
                let outcome = self.evaluate(file_id, op, is_async);
                let site = AuditSite {
                    file: file_id,
                    op: op_id,
                    sink,
                    via: Some(target),
                    outcome,
                };
                changed |= self.note_writer(&site);
                site_of.insert((file_id, op_id), self.sites.len());
                self.sites.push(site);
            }
            if !changed {
                break;
            }
        }
    }

    /// Records the enclosing function as a writer when the site's error escapes it.
    fn note_writer(&mut self, site: &AuditSite) -> bool {
        let Outcome::Escapes {
            function: Some(func),
            is_async,
        } = site.outcome
        else {
            return false;
        };
        let function = &self.files[site.file as usize].facts.functions[func as usize];
        if function.name.is_none() {
            return false;
        }
        let key = FnRef {
            file: site.file,
            func,
        };
        if self.writers.contains_key(&key) {
            return false;
        }
        // The syntactic write at the end of a wrapper chain, never a wrapper call on the way.
        let write = site
            .via
            .and_then(|via| self.writers.get(&via))
            .map_or((site.file, self.op(site.file, site.op).span), |w| w.write);
        self.writers.insert(
            key,
            Writer {
                sink: site.sink.clone(),
                write,
                is_async: is_async || function.is_async,
            },
        );
        true
    }

    /// The audit sink an operation's own syntax or callee names.
    pub fn direct_sink(&self, op: &Operation) -> Option<SinkName> {
        self.syntax_sink(op).or_else(|| self.name_sink(op))
    }

    /// The audit sink an operation's syntax names: SQL, a query builder, a model, a URL.
    fn syntax_sink(&self, op: &Operation) -> Option<SinkName> {
        let sink = op.sink.as_ref()?;
        if let crate::facts::SinkSyntax::TableObjectInsert { object } = sink {
            let table = self.table_objects.get(object.as_str())?;
            return self
                .vocab
                .is_audit_table(table)
                .then(|| SinkName::Table((*table).to_string()));
        }
        // An ORM model whose table the project declares (`__tablename__ = "audit_entries"`,
        // Django's `db_table`): judged by that table too.
        if let crate::facts::SinkSyntax::ModelCreate { model } = sink
            && let Some(table) = self.table_objects.get(model.as_str())
            && self.vocab.is_audit_table(table)
        {
            return Some(SinkName::Table((*table).to_string()));
        }
        self.vocab.sink_of(sink)
    }

    /// The audit sink an operation's callee names by the function vocabulary (`logAudit`).
    fn name_sink(&self, op: &Operation) -> Option<SinkName> {
        self.vocab
            .is_audit_function(&op.callee)
            .then(|| SinkName::Function(op.callee.replace("().", ".")))
    }

    /// Runs an operation's guard steps: where does its error end up?
    pub fn evaluate(&self, file: u32, op: &Operation, is_async: bool) -> Outcome {
        #[derive(PartialEq, Clone, Copy)]
        enum State {
            Thrown,
            Rejected,
            /// A rejected promise on its way out as the function's value.
            Escaping,
        }
        let mut state = if is_async {
            State::Rejected
        } else {
            State::Thrown
        };
        for step in &op.guard {
            match step {
                GuardStep::Handler(handler) => {
                    let applies = match handler.kind {
                        HandlerKind::CatchClause => state == State::Thrown,
                        HandlerKind::RejectionCallback => state == State::Rejected,
                        HandlerKind::ErrValue => state != State::Escaping,
                    };
                    if !applies {
                        continue;
                    }
                    match self.classify(file, &handler.body) {
                        HandlerClass::Propagates => {}
                        HandlerClass::Handles(how) => return Outcome::Handled(how),
                        HandlerClass::Swallows(reason) => {
                            return Outcome::Swallowed {
                                handler: handler.span,
                                reason,
                            };
                        }
                    }
                }
                GuardStep::Await => {
                    if state == State::Rejected {
                        state = State::Thrown;
                    }
                }
                GuardStep::Dropped { span, how } => {
                    if state == State::Rejected {
                        return Outcome::Floating {
                            span: *span,
                            how: *how,
                        };
                    }
                }
                GuardStep::Returned => {
                    if state == State::Rejected {
                        state = State::Escaping;
                    }
                }
                GuardStep::Stored => {
                    if state != State::Thrown {
                        return Outcome::OutOfScope;
                    }
                }
                GuardStep::Argument { callee, span } => {
                    // `run_in_background(write_audit(..))` where the project function does
                    // `tokio::spawn(f)` and drops the handle: the task's error goes nowhere.
                    if self.spawns_parameter(file, callee) {
                        return Outcome::Floating {
                            span: *span,
                            how: DropKind::Spawn,
                        };
                    }
                    if state != State::Thrown && self.vocab.is_settler(callee) {
                        let dropped = self.files[file as usize]
                            .facts
                            .ops
                            .iter()
                            .find(|op| op.span == *span)
                            .is_some_and(|op| op.result.dropped);
                        if dropped {
                            return Outcome::Swallowed {
                                handler: *span,
                                reason: format!(
                                    "`{callee}` turns the rejection into a value that nothing reads"
                                ),
                            };
                        }
                        return Outcome::OutOfScope;
                    }
                    if state != State::Thrown {
                        if self.vocab.is_swallower(callee) {
                            return Outcome::Swallowed {
                                handler: *span,
                                reason: format!(
                                    "`{callee}` swallows the rejection of what it is given"
                                ),
                            };
                        }
                        return Outcome::OutOfScope;
                    }
                }
                GuardStep::Settled { span, read } => {
                    if state != State::Thrown {
                        if *read {
                            return Outcome::Handled(Handling::Unknown(
                                "Promise.allSettled".into(),
                            ));
                        }
                        let reason = if Family::of(&self.files[file as usize].path)
                            == Family::Python
                        {
                            "`asyncio.gather(.., return_exceptions=True)` turns the failure into a result that nothing reads"
                        } else {
                            "`Promise.allSettled` turns the rejection into a result that nothing reads"
                        };
                        return Outcome::Swallowed {
                            handler: *span,
                            reason: reason.into(),
                        };
                    }
                }
                GuardStep::Callback { is_async } => {
                    if state == State::Escaping || (state == State::Thrown && *is_async) {
                        state = State::Rejected;
                    }
                }
                GuardStep::Exit(function) => {
                    return Outcome::Escapes {
                        function: *function,
                        is_async: state != State::Thrown,
                    };
                }
                GuardStep::PassedOn => return Outcome::OutOfScope,
                GuardStep::IntoCall { callee, call } => {
                    return self.through_helper_call(file, callee, *call, state != State::Thrown);
                }
                GuardStep::Observed(handler) => {
                    if state != State::Escaping
                        && let HandlerClass::Handles(
                            how @ (Handling::Surfaces(_) | Handling::Records(_)),
                        ) = self.classify(file, &handler.body)
                    {
                        return Outcome::Handled(how);
                    }
                }
                GuardStep::Panics => {
                    return Outcome::Handled(Handling::Panics);
                }
            }
        }
        Outcome::OutOfScope
    }

    /// The error leaves a closure handed to `callee`. When `callee` is a project function that
    /// calls one of its parameters (the closure) — `db_call(&db, |db| db.record_audit(..))`
    /// running it on a blocking thread and returning its `Result` — the error goes where the
    /// call's own result goes: that call's guard decides. Anything else is the callee's business.
    fn through_helper_call(&self, file: u32, callee: &str, call: Span, is_async: bool) -> Outcome {
        let Some(target) = self.resolve_call(file, callee) else {
            return Outcome::OutOfScope;
        };
        let function = &self.files[target.file as usize].facts.functions[target.func as usize];
        let calls_closure = function.effects.as_ref().is_some_and(|effects| {
            effects
                .calls
                .iter()
                .any(|c| function.locals.iter().any(|param| param == c))
        });
        if !calls_closure {
            return Outcome::OutOfScope;
        }
        // The operation of that call: the innermost chain with that callee around it.
        let facts = &self.files[file as usize].facts;
        let Some(op) = facts
            .ops
            .iter()
            .filter(|op| {
                op.callee == callee && op.span.start <= call.start && call.end <= op.span.end
            })
            .min_by_key(|op| op.span.end - op.span.start)
        else {
            return Outcome::OutOfScope;
        };
        // The call's guard never leads back into the same closure, but stay safe on odd input.
        if op
            .guard
            .iter()
            .any(|step| matches!(step, GuardStep::IntoCall { call: c, .. } if *c == call))
        {
            return Outcome::OutOfScope;
        }
        self.evaluate(file, op, is_async || function.is_async)
    }

    /// Is `callee` a project function that hands one of its parameters to a spawn?
    fn spawns_parameter(&self, file: u32, callee: &str) -> bool {
        let Some(target) = self.resolve_call(file, callee) else {
            return false;
        };
        let function = &self.files[target.file as usize].facts.functions[target.func as usize];
        function.effects.as_ref().is_some_and(|effects| {
            effects
                .spawns
                .iter()
                .any(|name| function.locals.iter().any(|param| param == name))
        })
    }

    /// How a handler deals with the error: the heart of DESIGN.md's handler outcomes.
    pub fn classify(&self, file: u32, body: &HandlerBody) -> HandlerClass {
        match body {
            HandlerBody::Discard => HandlerClass::Swallows("the error is discarded".into()),
            HandlerBody::DroppedValue => {
                let what = match Family::of(&self.files[file as usize].path) {
                    Family::Go => "the statement drops the returned `error`",
                    _ => "the statement drops the `Result` and its error",
                };
                HandlerClass::Swallows(what.into())
            }
            HandlerBody::Reference(path) => self.classify_reference(file, path),
            HandlerBody::Inline(effects) => self.classify_effects(file, effects, true),
        }
    }

    fn classify_reference(&self, file: u32, path: &str) -> HandlerClass {
        if self.vocab.is_reporter(path) {
            return HandlerClass::Handles(Handling::Surfaces(path.to_string()));
        }
        if self.vocab.is_propagator(path) {
            return HandlerClass::Propagates;
        }
        if self.vocab.is_noop(path) {
            return HandlerClass::Swallows(format!("the handler `{path}` does nothing"));
        }
        if let Some(target) = self.resolve_call(file, path) {
            let function = &self.files[target.file as usize].facts.functions[target.func as usize];
            if let Some(effects) = &function.effects {
                return match self.classify_effects(target.file, effects, false) {
                    HandlerClass::Swallows(_) => HandlerClass::Swallows(format!(
                        "the handler `{path}` neither rethrows, reports nor records the error"
                    )),
                    other => other,
                };
            }
        }
        if is_logger_call(path) {
            return HandlerClass::Swallows(format!(
                "`{path}` does not surface the error (only warn/error-level reporters do)"
            ));
        }
        HandlerClass::Handles(Handling::Unknown(path.to_string()))
    }

    fn classify_effects(&self, file: u32, effects: &Effects, follow_calls: bool) -> HandlerClass {
        if effects.throws || effects.calls.iter().any(|c| self.vocab.is_propagator(c)) {
            return HandlerClass::Propagates;
        }
        if let Some(call) = effects.calls.iter().find(|c| self.vocab.is_reporter(c)) {
            return HandlerClass::Handles(Handling::Surfaces(call.clone()));
        }
        if let Some(flag) = effects.flag_writes.iter().find(|f| self.vocab.is_flag(f)) {
            return HandlerClass::Handles(Handling::Records(flag.clone()));
        }
        if effects.returns_error {
            return HandlerClass::Handles(Handling::ReturnsError);
        }
        if let Some(response) = &effects.error_response {
            return HandlerClass::Handles(Handling::Responds(response.clone()));
        }
        if let Some(place) = &effects.stores_error {
            return HandlerClass::Handles(Handling::Stores(place.clone()));
        }
        // Python: `except Exception as e: create_audit_log(status=FAILED, message=str(e))` — the
        // handler writes the failure into the audit trail itself, with a write whose own error
        // escapes the handler: the failure is recorded, or loud.
        if Family::of(&self.files[file as usize].path) == Family::Python
            && let Some(call) = effects.calls.iter().find(|call| {
                self.resolve_call(file, call)
                    .is_some_and(|target| self.writers.contains_key(&target))
            })
        {
            return HandlerClass::Handles(Handling::Records(format!(
                "the failure is written to the audit trail by `{call}`"
            )));
        }
        if follow_calls {
            // A project helper that reports (`reportAuditFailure(err)`) surfaces too.
            for call in &effects.calls {
                let Some(target) = self.resolve_call(file, call) else {
                    continue;
                };
                let function =
                    &self.files[target.file as usize].facts.functions[target.func as usize];
                if let Some(inner) = &function.effects
                    && let HandlerClass::Propagates
                    | HandlerClass::Handles(
                        Handling::Surfaces(_)
                        | Handling::Records(_)
                        | Handling::Responds(_)
                        | Handling::Stores(_),
                    ) = self.classify_effects(target.file, inner, false)
                {
                    return HandlerClass::Handles(Handling::Surfaces(call.clone()));
                }
            }
        }
        HandlerClass::Swallows(swallow_reason(effects))
    }

    /// Resolves an operation's callee to a project function, respecting its scope: a name the
    /// calling function (or the module) binds to a value — a parameter, a local, a name
    /// destructured from a hook (`const { mutateAsync: save } = useMutation(..)`) — calls that
    /// value, never a same-named project function elsewhere.
    pub fn resolve_op(&self, file: u32, op: &Operation) -> Option<FnRef> {
        if !has_any(&op.callee, b".:(") && self.bound_locally(file, op, &op.callee) {
            return None;
        }
        self.resolve_call(file, &op.callee)
    }

    /// `prepareAuditLogInsert(db, entry).run()`: the project function that starts a chain. When
    /// it is a writer (it returns the unexecuted statement whose SQL names an audit table), the
    /// chain executes that write.
    fn resolve_chain_head(&self, file: u32, op: &Operation) -> Option<FnRef> {
        let (head, _) = op.callee.split_once("().")?;
        if has_any(head, b"([") {
            return None;
        }
        if !has_any(head, b".:") && self.bound_locally(file, op, head) {
            return None;
        }
        self.resolve_call(file, head)
    }

    /// `audit.logUpdate` where `audit` holds a project value that has no such method: a call
    /// into the project we cannot follow, not a library call whose name could decide.
    fn names_project_value(&self, file: u32, callee: &str) -> bool {
        let segments: Vec<&str> = callee.split('.').collect();
        matches!(segments.as_slice(), [receiver, method]
            if *receiver != "self" && *receiver != "this"
                && self.resolve_on_binding(file, receiver, method) == Some(None))
    }

    /// Is `name` bound to a value in the function around `op` (or one it is nested in), or at
    /// the module's top level?
    fn bound_locally(&self, file: u32, op: &Operation, name: &str) -> bool {
        let facts = &self.files[file as usize].facts;
        let mut scope = op.enclosing;
        let mut hops = 0;
        while let Some(id) = scope {
            let Some(function) = facts.functions.get(id as usize) else {
                break;
            };
            if function.locals.iter().any(|l| l == name) {
                return true;
            }
            scope = function.parent;
            hops += 1;
            if hops > 1_000 {
                break;
            }
        }
        facts.module_locals.iter().any(|l| l == name)
    }

    /// Resolves a dotted callee path at a call site to a project function.
    pub fn resolve_call(&self, file: u32, callee: &str) -> Option<FnRef> {
        if has_call_or_index(callee) {
            return None;
        }
        if let Some(known) = self
            .resolved_calls
            .borrow()
            .get(&file)
            .and_then(|calls| calls.get(callee))
        {
            return *known;
        }
        // `const a = b.x(); const b = a.y(); a.z()` resolves `b.x` to resolve `a.z`, then `a.y`,
        // then `b.x` again: chains of bindings longer than the limit, and so every cycle, are
        // unresolved instead of recursing until the stack overflows.
        let depth = self.call_depth.get();
        if depth > MAX_RESOLVE_DEPTH {
            return None;
        }
        self.call_depth.set(depth + 1);
        let resolved = self.resolve_call_uncached(file, callee);
        self.call_depth.set(depth);
        self.resolved_calls
            .borrow_mut()
            .entry(file)
            .or_default()
            .insert(callee.to_string(), resolved);
        resolved
    }

    fn resolve_call_uncached(&self, file: u32, callee: &str) -> Option<FnRef> {
        match self.file_kinds[file as usize].0 {
            Family::Script => self.resolve_script(file, callee),
            Family::Rust => self.resolve_rust(file, callee),
            Family::Go => self.resolve_go(file, callee),
            Family::Python => self.resolve_python(file, callee),
        }
    }

    /// The one function named `name` in `file`, if exactly one.
    fn unique_in_file(&self, file: u32, name: &str) -> Option<FnRef> {
        let facts = &self.files[file as usize].facts;
        let mut found = facts
            .functions
            .iter()
            .enumerate()
            .filter(|(_, f)| f.name.as_deref() == Some(name));
        let (func, _) = found.next()?;
        found.next().is_none().then_some(FnRef {
            file,
            func: func as FnId,
        })
    }

    /// `audit.logUpdate(..)` where `const audit = createModelAuditLogger(..)`: the method of
    /// what a project function returns (a function defined inside it) or of a project class
    /// (`new AuditService()`, `db: &DbConn`). `Some(None)`: the receiver is a project value
    /// without that method — no library call either, so no name decides for it.
    pub(crate) fn resolve_on_binding(
        &self,
        file: u32,
        receiver: &str,
        method: &str,
    ) -> Option<Option<FnRef>> {
        use crate::facts::BindingSource;
        let facts = &self.files[file as usize].facts;
        let mut bound = facts.bindings.iter().filter(|b| b.name == receiver);
        let binding = bound.next()?;
        // Bound to different things in different functions: which one this call sees is not
        // known here, so none decides.
        if bound.any(|other| other.source != binding.source) {
            return None;
        }
        let class = match &binding.source {
            BindingSource::ThisModule => return Some(self.unique_in_file(file, method)),
            BindingSource::Type(ty) => ty.as_str(),
            BindingSource::Call(callee) => {
                if callee != receiver
                    && !callee.contains("()")
                    && let Some(factory) = self.resolve_call(file, callee)
                {
                    let target = &self.files[factory.file as usize].facts;
                    let inside = target.functions.iter().enumerate().find(|(_, f)| {
                        f.name.as_deref() == Some(method) && {
                            let mut parent = f.parent;
                            let mut hops = 0;
                            while let Some(p) = parent
                                && p != factory.func
                                && hops < 64
                            {
                                parent = target.functions.get(p as usize).and_then(|f| f.parent);
                                hops += 1;
                            }
                            parent == Some(factory.func)
                        }
                    });
                    return Some(inside.map(|(func, _)| FnRef {
                        file: factory.file,
                        func: func as FnId,
                    }));
                }
                last_segment(callee)
            }
        };
        // A class of the project: its method, or none (then the value is the project's).
        let candidates = self.functions_by_name.get(method);
        if !self.classes.contains(class) {
            return None;
        }
        let unique = |pred: &dyn Fn(&crate::facts::Function) -> bool| {
            candidates.and_then(|c| {
                let mut matching = c.iter().filter(|r| {
                    pred(&self.files[r.file as usize].facts.functions[r.func as usize])
                });
                let first = *matching.next()?;
                matching.next().is_none().then_some(first)
            })
        };
        // A trait of the project (`sink: &dyn AuditSink`): its one implementation of the method,
        // when there is one; the trait's own declaration has no body to judge.
        if let Some(implementation) = unique(&|f| f.implements.as_deref() == Some(class)) {
            return Some(Some(implementation));
        }
        Some(unique(&|f| f.class.as_deref() == Some(class)))
    }

    /// A method by name: in this file (for `this.m()`), or in a class the receiver is named
    /// after (`purgeService.purge()` → `class PurgeService`).
    fn unique_method(
        &self,
        file: Option<u32>,
        method: &str,
        receiver: Option<&str>,
    ) -> Option<FnRef> {
        let candidates = self.functions_by_name.get(method)?;
        let mut matching = candidates.iter().filter(|c| {
            let function = &self.files[c.file as usize].facts.functions[c.func as usize];
            let Some(class) = &function.class else {
                return false;
            };
            match (file, receiver) {
                (Some(file), _) => c.file == file,
                (None, Some(receiver)) => receiver_names_class(receiver, class),
                (None, None) => false,
            }
        });
        let first = matching.next()?;
        matching.next().is_none().then_some(*first)
    }
}

/// Is the first thing that happens to this call's value a Rust statement dropping it?
fn drops_value(op: &Operation) -> bool {
    op.guard
        .iter()
        .find(|step| !matches!(step, GuardStep::Await))
        .is_some_and(|step| {
            matches!(step, GuardStep::Handler(h) if matches!(h.body, HandlerBody::DroppedValue))
        })
}

/// Does `text` hold one of `bytes`? (`str::contains` with a set of chars decodes and matches
/// char by char: a few percent of the index on a dense code base.)
fn has_any(text: &str, bytes: &[u8]) -> bool {
    text.bytes().any(|b| bytes.contains(&b))
}

/// Does a callee path hold a call (`()`) or an index (`[`)? It then resolves by no name.
fn has_call_or_index(callee: &str) -> bool {
    let bytes = callee.as_bytes();
    // Most paths hold neither: one plain pass decides.
    bytes.iter().any(|&b| b == b'[' || b == b'(')
        && (bytes.contains(&b'[') || bytes.windows(2).any(|pair| pair == b"()"))
}

fn last_segment(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// `console.log`, `logger.info`: logging calls that are not reporters.
fn is_logger_call(path: &str) -> bool {
    let Some((receiver, _)) = path.rsplit_once('.') else {
        return false;
    };
    let receiver = receiver
        .rsplit('.')
        .next()
        .unwrap_or(receiver)
        .to_lowercase();
    receiver == "console" || receiver.ends_with("log") || receiver.ends_with("logger")
}

fn swallow_reason(effects: &Effects) -> String {
    if effects.is_empty {
        return if effects.has_comments {
            "the handler has only comments: a comment is not handling".into()
        } else {
            "the handler is empty".into()
        };
    }
    if effects.returns_nothing {
        return "the handler only returns nothing".into();
    }
    if let Some(call) = effects.calls.iter().find(|c| is_logger_call(c)) {
        return format!(
            "the handler only calls `{call}`, which does not surface the error (only warn/error-level reporters do)"
        );
    }
    if let Some(call) = effects.outside_production.first() {
        return format!(
            "the handler calls `{call}` only outside production (a `NODE_ENV` check): in production the failure is silent"
        );
    }
    "the handler neither rethrows, reports nor records the error".into()
}

/// `src/purge.ts` → `purge`; `src/purge/index.ts` → `purge`.
fn module_stem(path: &str) -> Option<&str> {
    let file = path.rsplit('/').next()?;
    let stem = file.split('.').next()?;
    if stem == "index" || stem == "mod" || stem == "lib" || stem == "main" {
        let mut parts = path.rsplit('/');
        parts.next();
        // `src/lib.rs`: the crate has no module name worth looking for.
        return parts.next().filter(|dir| *dir != "src");
    }
    (stem.len() >= 3).then_some(stem)
}
