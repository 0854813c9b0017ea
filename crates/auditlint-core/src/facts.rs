//! Language-neutral facts that a front end extracts from one file.
//!
//! Front ends know syntax only: they say *where* a call is, which sink its syntax names, and
//! what happens to its error on the way out of the enclosing function (`GuardStep`s). They do
//! not know the vocabulary's meaning (is this table an audit table? is `log.warn` a reporter?)
//! nor other files; the [`crate::index`] applies both.

use serde::{Deserialize, Serialize};

use crate::span::Span;

/// Index of a [`Function`] in its file's [`FileFacts::functions`].
pub type FnId = u32;

/// The source language of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Language {
    TypeScript,
    Tsx,
    JavaScript,
    Rust,
    Go,
    Python,
}

impl Language {
    /// The language of a file, by its extension (`None`: not a language auditlint reads).
    pub fn of_path(path: &str) -> Option<Language> {
        let (_, extension) = path.rsplit_once('.')?;
        match extension {
            "ts" | "mts" | "cts" => Some(Language::TypeScript),
            "tsx" => Some(Language::Tsx),
            "js" | "jsx" | "mjs" | "cjs" => Some(Language::JavaScript),
            "rs" => Some(Language::Rust),
            "go" => Some(Language::Go),
            "py" | "pyi" => Some(Language::Python),
            _ => None,
        }
    }

    /// What starts a line comment (suppressions, fixture expectations).
    pub fn line_comment(self) -> &'static str {
        match self {
            Language::Python => "#",
            _ => "//",
        }
    }
}

/// Everything the rules and the index need to know about one file.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct FileFacts {
    pub functions: Vec<Function>,
    pub ops: Vec<Operation>,
    pub imports: Vec<Import>,
    pub exports: Vec<Export>,
    /// Query-builder table objects, e.g. Drizzle `export const auditLogs = pgTable("audit_logs", …)`.
    pub table_objects: Vec<TableObject>,
    /// Where the parser had to recover from a syntax error (the facts cover what did parse).
    pub syntax_errors: Vec<Span>,
    /// Set when nesting deeper than the analysis limit was cut off.
    pub truncated_at_depth: Option<u32>,
    /// Declared object types: interfaces, type aliases, structs.
    pub types: Vec<TypeDecl>,
    /// Names bound to values at the module's top level (not functions, imports or classes):
    /// a call of such a name is never resolved by the unique-name fallback.
    pub module_locals: Vec<String>,
    /// `const audit = createModelAuditLogger(..)`, `let db: DbConn`: what a local name holds,
    /// for resolving method calls on it (`audit.logUpdate(..)`).
    pub bindings: Vec<Binding>,
    /// Rust: the first segments of `use` trees and of multi-segment macro paths
    /// (`use tracing::warn;`, `log::error!(..)` → `tracing`, `log`), sorted, each once: the
    /// crates whose logging macros a fix may call.
    #[serde(default)]
    pub path_roots: Vec<String>,
    /// The file says it is generated (Go's `// Code generated … DO NOT EDIT.`) but is read
    /// for what other files call (sqlc's queries): its own findings are not reported.
    #[serde(default)]
    pub generated: bool,
}

/// A name bound to the result of a call, or declared with a type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    pub name: String,
    /// The function it is bound in (`None`: the module's top level).
    pub scope: Option<FnId>,
    /// The callee path of its initialiser (`createModelAuditLogger`, `new AuditService`), or
    /// its declared type's name.
    pub source: BindingSource,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BindingSource {
    /// The result of calling this dotted path (`new X(..)` is `X`).
    Call(String),
    /// A value of this declared type (`db: &DbConn` → `DbConn`).
    Type(String),
    /// The module's own exports object: `const events = module.exports`.
    ThisModule,
}

/// An interface, object type alias or struct, with its fields. A field serialised under
/// another name (Go's `Logged bool `json:"audit_logged"``) is followed by an entry
/// `json:<name>` with the same span: the flag vocabulary matches either, callers read the
/// field by its own name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeDecl {
    pub name: String,
    pub fields: Vec<(String, Span)>,
    /// The types it is made of: an alias's (`type R = A | B`), an interface's `extends`.
    pub names: Vec<String>,
}

/// How a call's result is used: for audit flags and failure values.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultUse {
    /// Fields read on the result, or on any element of a collection of results.
    pub fields: Vec<String>,
    /// The result (or a collection of results) escapes whole: returned, passed to another
    /// function, stored in an object, an outer variable or a field, spread, yielded.
    pub escapes: bool,
    /// It escapes as the enclosing function's return value.
    pub returned: bool,
    /// Used as a statement (`f();`, `await f();`, `void f()`).
    pub dropped: bool,
    /// Tested whole: a condition, `!r`, `r === null`. Checks a failure value; an object with a
    /// flag is always truthy, so this says nothing about its flag.
    pub tested: bool,
    /// Where a finding points: the call, or the aggregate that holds the results.
    pub span: Span,
}

/// A function-like definition: declaration, method, function expression or arrow.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Function {
    /// Its name: the declaration's, the variable's it is assigned to, the method's, or `default`.
    pub name: Option<String>,
    /// The class it is a method of.
    pub class: Option<String>,
    /// Where to point at it: its name, or its head when anonymous.
    pub span: Span,
    pub is_async: bool,
    /// Keys of the object literals it returns, with where each key is.
    pub returned_fields: Vec<(String, Span)>,
    /// Type names in its declared return type (`Promise<TierResult>` → `Promise`, `TierResult`).
    pub return_type_names: Vec<String>,
    /// Fields of object types written inline in its declared return type.
    pub return_type_fields: Vec<(String, Span)>,
    /// What its body does, for functions small enough to serve as an error handler by reference
    /// (`.catch(noop)`, `.catch(reportError)`).
    pub effects: Option<Effects>,
    /// The function it is nested in.
    pub parent: Option<FnId>,
    /// Names its parameters and body bind to values (destructuring included, nested functions'
    /// own bindings not): a call of such a name calls that value, never a project function
    /// found by the unique-name fallback (`const [createUser] = useMutation(..)`).
    pub locals: Vec<String>,
    /// The trait whose `impl` it is in (`impl AuditSink for DbSink` → `AuditSink`): a call on a
    /// `dyn AuditSink` resolves to it.
    #[serde(default)]
    pub implements: Option<String>,
    /// The object a script assigns it to as a member at run time (`req.audit = async (..) =>
    /// ..` → `req`, `res.locals.audit = ..` → `res.locals`): a call `req.audit(..)` in any
    /// file may reach it, and only such a call does. Not `this`, nor CommonJS exports
    /// (`exports.x = ..`, `module.exports.x = ..`: imports reach those).
    #[serde(default)]
    pub member_of: Option<String>,
    /// Named by an object literal's key (`{ write: async () => .. }`, `{ async write() {..} }`):
    /// no binding holds it, so no plain call (`write(..)`) reaches it; a member call on the
    /// object, or a module's export of that name, does.
    #[serde(default)]
    pub keyed: bool,
}

/// A call (or a chain of calls, `db.prepare(sql).bind(x).run()`) whose error we follow.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Operation {
    /// The call chain, without trailing `.then/.catch/.finally` handlers.
    pub span: Span,
    /// The callee as a dotted path, inner calls marked `()`: `env.DB.prepare().bind().run`.
    pub callee: String,
    /// The sink its syntax names, if any.
    pub sink: Option<SinkSyntax>,
    /// Known to produce a promise (awaited, has promise handlers, or a promise-only API).
    pub is_promise: bool,
    /// The innermost function containing it.
    pub enclosing: Option<FnId>,
    /// What happens to its error, innermost first. Evaluated by the index.
    pub guard: Vec<GuardStep>,
    /// For APIs that report failure as a value (`{ data, error }`, a `Response`): is it read?
    pub value_check: Option<ValueCheck>,
    /// Where its result goes.
    pub result: ResultUse,
}

impl Function {
    /// Can a plain call of its name (`record(..)`) reach it? Not a class's method, a function
    /// assigned to a member, nor one an object literal's key names.
    pub fn callable_by_name(&self) -> bool {
        self.class.is_none() && self.member_of.is_none() && !self.keyed
    }

    /// Its name as the code that calls it writes it: `AuditService.record` for a class's
    /// method, `req.audit` for a function assigned to a member, else its name.
    pub fn called_as(&self) -> Option<String> {
        let name = self.name.as_deref()?;
        Some(match (&self.class, &self.member_of) {
            (Some(owner), _) | (None, Some(owner)) => format!("{owner}.{name}"),
            (None, None) => name.to_string(),
        })
    }
}

impl Operation {
    /// Does this call report failure only as a value, which the handlers around it never see?
    /// A value-style client's (`{ data, error }`), unless the code throws the value it read into
    /// them (`if (error) throw error`, [`ValueCheck::Thrown`]). `fetch` also rejects (a network
    /// failure), so its handlers count.
    pub fn fails_only_as_value(&self) -> bool {
        self.value_check != Some(ValueCheck::Thrown)
            && self
                .sink
                .as_ref()
                .is_some_and(|s| s.is_value_style() && !matches!(s, SinkSyntax::HttpRequest { .. }))
    }
}

/// A sink named by the syntax of a call, before the vocabulary decides whether it is an audit sink.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SinkSyntax {
    /// `INSERT INTO <table>` in SQL text passed to the chain.
    SqlInsert { table: String },
    /// A query builder naming a table: `.from(T).insert(..)`, `knex(T).insert(..)`,
    /// `diesel::insert_into(T::table)`.
    BuilderInsert {
        table: String,
        #[serde(deserialize_with = "known_api")]
        api: BuilderApi,
    },
    /// Prisma-style `client.<model>.create(..)`: the model name.
    ModelCreate { model: String },
    /// Drizzle-style `db.insert(tableObject)`: the table object's variable name.
    TableObjectInsert { object: String },
    /// A remote procedure or edge function: `.rpc(F)`, `.functions.invoke(F)`.
    RemoteCall { function: String },
    /// An HTTP request to a URL literal: `fetch(url)`.
    HttpRequest { url: String },
    /// A request with a client that rejects on an error status (axios, ky, got, ofetch,
    /// superagent): its failure is thrown, not returned as a value.
    HttpClient { url: String },
}

/// A query-builder API's name. (An alias, so serde does not take `&'static str` for a borrow.)
pub type BuilderApi = &'static str;

/// The query-builder APIs the front ends name (a [`SinkSyntax::BuilderInsert`]'s `api`).
pub const BUILDER_APIS: &[&str] = &[
    "supabase", "knex", "kysely", "diesel", "sea-orm", "sqlx", "mongo", "redis", "gorm", "squirrel",
];

/// Reads a builder API back from the facts cache: one of [`BUILDER_APIS`], else the entry is
/// not trusted (the cache recomputes it).
fn known_api<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<&'static str, D::Error> {
    let name = String::deserialize(deserializer)?;
    BUILDER_APIS
        .iter()
        .find(|known| **known == name)
        .copied()
        .ok_or_else(|| serde::de::Error::custom(format!("unknown builder api `{name}`")))
}

impl SinkSyntax {
    /// Does this API report failure as a value the caller must read?
    pub fn is_value_style(&self) -> bool {
        match self {
            SinkSyntax::BuilderInsert { api, .. } => *api == "supabase",
            SinkSyntax::RemoteCall { .. } | SinkSyntax::HttpRequest { .. } => true,
            _ => false,
        }
    }
}

/// Whether the failure value of a value-style API is looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ValueCheck {
    /// Something reads the error field / status, or the result escapes whole.
    Read,
    /// The error field is read and thrown in the `try` block that holds the write (`const {
    /// error } = await supabase.from(..).insert(..); if (error) throw error;`): the failure
    /// reaches that `try`'s handler as a rejection of the write would.
    Thrown,
    /// Nothing reads it: the result is dropped or only its data is used.
    Unread { span: Span },
}

/// One step on the way from a failing call out of its function.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum GuardStep {
    /// Something that receives the error. Boxed: a handler with its body's effects and a fix's
    /// site is ~200 bytes, every other step a few words, and most steps are not handlers
    /// (inline, every step of every operation was 240 bytes: rustfs's facts 116 -> ~70 MB).
    Handler(Box<Handler>),
    /// `await`: from here a rejection is thrown.
    Await,
    /// A promise dropped here (statement, `void`, `waitUntil`, a `forEach` callback):
    /// a rejection goes nowhere; a synchronous throw goes on.
    Dropped { span: Span, how: DropKind },
    /// The value leaves the function (`return`, arrow body): a rejection leaves with it.
    Returned,
    /// The value is stored or handed to other code: what happens next is its business.
    Stored,
    /// The error leaves a closure handed to `callee` (`db_call(&db, move |db| db.record_audit(..))`):
    /// if that project function calls its closure and passes the result on, the error goes where
    /// the call at `call` sends its result; otherwise the callee decides.
    IntoCall { callee: String, call: Span },
    /// The value is passed to a call (`trySafe(write())`): handed to other code, unless the
    /// vocabulary says that callee swallows what it is given (`[handlers] swallow`).
    Argument { callee: String, span: Span },
    /// `Promise.allSettled(..)`: every rejection becomes a value, read or not.
    Settled { span: Span, read: bool },
    /// The error leaves an anonymous callback; `is_async` callbacks turn throws into rejections.
    Callback { is_async: bool },
    /// The error leaves function `FnId` (`None`: the module's top level).
    Exit(Option<FnId>),
    /// The error leaves a callback handed to other code (a route handler, an event listener).
    PassedOn,
    /// Code that sees the error on its way and passes it on (Rust `.map_err(|e| ..)`,
    /// `.inspect_err(..)`): the error is handled if that code surfaces or records it.
    Observed(Box<Handler>),
    /// The error becomes a panic (`.unwrap()`, `.expect(..)`): loud, never silent.
    Panics,
}

impl GuardStep {
    /// [`GuardStep::Handler`] of `handler`.
    pub fn handler(handler: Handler) -> Self {
        Self::Handler(Box::new(handler))
    }

    /// [`GuardStep::Observed`] by `handler`.
    pub fn observed(handler: Handler) -> Self {
        Self::Observed(Box::new(handler))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DropKind {
    Statement,
    Void,
    WaitUntil,
    ForEach,
    /// A callback scheduled for later (`setImmediate`, `setTimeout`, `queueMicrotask`,
    /// `process.nextTick`): the promise it returns goes nowhere.
    Scheduled,
    /// A spawned task's `JoinHandle` is dropped: the task's `Err` goes nowhere.
    Spawn,
}

/// What receives an error: a catch clause, a rejection callback, a Rust `let _`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Handler {
    /// The primary span of a finding: the catch clause, the `.catch(..)` call, the `let _` statement.
    pub span: Span,
    pub kind: HandlerKind,
    pub body: HandlerBody,
    /// Where code can be added to the handler, when an edit there is sound (see
    /// [`crate::fix`]); `None` for handlers passed by reference, `.unwrap_or(..)`, …
    #[serde(default)]
    pub site: Option<HandlerSite>,
}

/// The syntax a fix needs to make a handler surface its error.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HandlerSite {
    pub binder: ErrorBinder,
    pub body: SiteBody,
    /// The function the handler's code is in (`None`: the top level): the names visible there.
    pub scope: Option<FnId>,
    /// The handler is a `function` callback of its own (not an arrow): `this` in it is not the
    /// instance of the method around it.
    #[serde(default)]
    pub own_this: bool,
}

/// How the handler names the error it receives.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ErrorBinder {
    /// `catch (err)`, `(e) =>`, `Err(e)`.
    Named(String),
    /// No name: replacing `span` with `before`, a name, `after` binds one (`catch {` →
    /// `catch (error) {`, `() =>` → `(error) =>`, `Err(_)` → `Err(e)`).
    Unnamed {
        span: Span,
        before: String,
        after: String,
    },
    /// The rewrite of a [`SiteBody::Discarded`] statement binds it.
    Rewrite,
}

/// Where the handler's code is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SiteBody {
    /// A `{ … }` block, braces included: new code goes first inside.
    Block(Span),
    /// An expression body (`() => null`, `Err(_) => ()`): it becomes a block that runs the new
    /// code, then gives the expression's value.
    Expression(Span),
    /// Rust: a statement that drops a `Result` (`let _ = VALUE;`, `VALUE.ok();`, `VALUE;`),
    /// rewritten as `if let Err(e) = VALUE { … }`.
    Discarded { statement: Span, value: Span },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HandlerKind {
    /// `try { } catch { }`: receives synchronous throws and awaited rejections.
    CatchClause,
    /// `.catch(cb)` / `.then(ok, cb)`: receives the rejection of the promise it is chained on.
    RejectionCallback,
    /// A Rust construct that receives an `Err` (`let _ =`, `.ok()`, `match`, `if let`).
    ErrValue,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum HandlerBody {
    /// The handler's own code.
    Inline(Effects),
    /// A function passed by reference (`.catch(noop)`, `.catch(console.log)`): its dotted path.
    Reference(String),
    /// Nothing looks at the error (`let _ = …`, `.ok();`).
    Discard,
    /// A Rust statement drops the value (`conn.execute(..);`): its error with it, if the value
    /// is a `Result` (the index decides whether it is).
    DroppedValue,
}

/// What a handler's body does, as far as error handling goes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Effects {
    /// Contains a `throw` (or `?`, `return Err`, `panic!`, `.unwrap()`) outside nested functions.
    pub throws: bool,
    /// Every call's dotted callee path (macros end in `!`), nested functions included.
    pub calls: Vec<String>,
    /// Names assigned `false` and keys of object literals built in the body.
    pub flag_writes: Vec<String>,
    /// Returns the caught error, or a value built from it.
    pub returns_error: bool,
    /// The body has no statements.
    pub is_empty: bool,
    /// The body contains comments.
    pub has_comments: bool,
    /// The only statement is `return null/undefined` or a bare `return`.
    pub returns_nothing: bool,
    /// An HTTP error response (status 400–599) it sends: `res.status(500)`, `{ status: 502 }`,
    /// `StatusCode::INTERNAL_SERVER_ERROR` — the failure reaches the client.
    pub error_response: Option<String>,
    /// Where it stores the error (or a value built from it) in an object or collection from
    /// outside the handler: `resource.error = msg`, `failures.push(e)`.
    pub stores_error: Option<String>,
    /// Names it hands straight to a spawn (`tokio::spawn(fut)`): a function spawning its
    /// parameter makes every argument passed there a spawned task.
    pub spawns: Vec<String>,
    /// Calls that run only outside production (`if (process.env.NODE_ENV === "development")
    /// console.error(e)`), kept out of `calls`: where the audit trail is evidence they surface
    /// nothing.
    #[serde(default)]
    pub outside_production: Vec<String>,
}

/// `import { imported as local } from "source"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Import {
    pub local: String,
    pub imported: Imported,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Imported {
    Named(String),
    Default,
    Namespace,
}

/// A name this module exports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Export {
    /// `export function f`, `export { f as g }`, `export default f` (exported = `default`).
    Local { exported: String, local: String },
    /// `export { f as g } from "./x"`, `export { default as g } from "./x"`.
    From {
        exported: String,
        imported: String,
        source: String,
    },
    /// `export * from "./x"`.
    All { source: String },
}

/// A query-builder table object and the table it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableObject {
    pub name: String,
    pub table: String,
    pub span: Span,
}
