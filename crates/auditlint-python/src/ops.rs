//! Calls: the sink a call's syntax names, what happens to its error on the way out of its
//! function (guard steps), and where its result goes.
//!
//! SQLAlchemy's unit of work: `session.add(AuditLog(..))` only stages the row; the `commit()`
//! (or `flush()`) on the same session after it is where the INSERT runs and fails. The write
//! is reported at the `add` (it names the model), and its error is followed from that
//! `commit`/`flush` — the first one on the same receiver after the `add` in the same function.
//! With none there, the caller commits: the error leaves the function, which makes it a writer
//! for its callers.

use std::collections::HashMap;

use auditlint_core::Span;
use auditlint_core::facts::{
    DropKind, FnId, GuardStep, Handler, HandlerBody, HandlerKind, Operation, ResultUse, SinkSyntax,
    ValueCheck,
};
use auditlint_core::sql::insert_table;
use tree_sitter::Node;

use crate::syntax::{Field, Kind};

use crate::Extractor;
use crate::syntax::{
    callee_path, first_positional, is_class_name, keyword_arg, last_segment, plain_string,
    positional_args, string_value, text,
};

/// Nodes searched for a later `commit()`, or for the uses of a result, at most.
const MAX_SCAN: usize = 20_000;

/// asyncio database drivers: their `execute`/`executemany`/`fetch*` return coroutines.
const ASYNC_DRIVERS: &[&str] = &["asyncpg", "aiosqlite", "aiomysql", "aiopg", "databases"];

/// What a call or a name holds that an insert can target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// An ORM model class (`AuditLog`).
    Model(String),
    /// A table object (`audit_log = Table("audit_log", ..)`).
    Table(String),
}

impl Target {
    fn sink(self) -> SinkSyntax {
        match self {
            Target::Model(model) => SinkSyntax::ModelCreate { model },
            Target::Table(object) => SinkSyntax::TableObjectInsert { object },
        }
    }
}

/// Exceptions that an audit write's failure (a database, network or driver error) is never
/// one of: a clause catching only these lets the write's failure pass.
const NARROW_EXCEPTIONS: &[&str] = &[
    "ValueError",
    "KeyError",
    "TypeError",
    "AttributeError",
    "IndexError",
    "LookupError",
    "NotImplementedError",
    "ImportError",
    "ModuleNotFoundError",
    "StopIteration",
    "StopAsyncIteration",
    "JSONDecodeError",
    "UnicodeDecodeError",
    "UnicodeEncodeError",
    "ZeroDivisionError",
    "AssertionError",
    "ValidationError",
    "ObjectDoesNotExist",
    "DoesNotExist",
    "MultipleObjectsReturned",
    "NoResultFound",
    "KeyboardInterrupt",
    "SystemExit",
    "GeneratorExit",
    "CancelledError",
    "NameError",
    "RecursionError",
    "FileNotFoundError",
    "PermissionDenied",
    "Http404",
    "NotFound",
    // Web frameworks' error responses: raised by request handling, never by a database write.
    "HTTPException",
    "HTTPError",
    "RequestValidationError",
];

/// Does an `except` clause with these types (`None`: a bare `except:`) catch an audit write's
/// failure?
fn catches_failures(types: Option<Node<'_>>, src: &str) -> bool {
    let Some(types) = types else { return true };
    text(types, src)
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
        .filter(|w| !w.is_empty())
        .map(last_segment)
        .any(|name| !NARROW_EXCEPTIONS.contains(&name))
}

/// Methods that run SQL text they are given.
fn runs_sql(method: &str) -> bool {
    matches!(
        method,
        "execute"
            | "executemany"
            | "execute_values"
            | "execute_batch"
            | "executescript"
            | "exec_driver_sql"
            | "fetch"
            | "fetchval"
            | "fetchrow"
            | "run"
            | "query"
            | "raw"
    ) || method.starts_with("execute")
        || method.ends_with("_sql")
}

/// `AuditLog(..)`, `insert(audit_log).values(..)`, `audit_log.insert()`,
/// `AuditLog.insert(..).execute()`, or a name holding one of them: what an insert targets.
pub(crate) fn model_target(
    node: Node<'_>,
    src: &str,
    models: &HashMap<(Option<FnId>, String), Target>,
    scope: Option<FnId>,
) -> Option<Target> {
    let mut current = node;
    for _ in 0..16 {
        match current.k() {
            "identifier" => {
                let name = text(current, src);
                return models
                    .get(&(scope, name.to_string()))
                    .or_else(|| models.get(&(None, name.to_string())))
                    .cloned();
            }
            "call" => {
                let function = current.field("function")?;
                let path = callee_path(function, src)?;
                let method = last_segment(&path);
                if method == "insert" {
                    // `insert(AuditLog)`, `sa.insert(audit_log)`.
                    if (path == "insert" || path.ends_with(".insert") && !path.contains("()"))
                        && let Some(first) = first_positional(current)
                        && let Some(target) = name_target(first, src)
                        && (path == "insert" || !receiver_is_target(&path))
                    {
                        return Some(target);
                    }
                    // `audit_log.insert()`, `AuditLog.insert(..)` (peewee).
                    if let Some(receiver) = path.strip_suffix(".insert")
                        && !receiver.contains(['(', '['])
                    {
                        let object = last_segment(receiver);
                        if object != "sa" && object != "sqlalchemy" {
                            return Some(target_of(object));
                        }
                    }
                }
                if !path.contains("()") && is_class_name(method) && method != "Table" {
                    return Some(Target::Model(method.to_string()));
                }
                // `insert(audit_log).values(..).returning(..)`: the call the chain starts from.
                current = function.field("object")?;
            }
            "attribute" => current = current.field("object")?,
            "parenthesized_expression" | "await" => current = current.named_child(0)?,
            _ => return None,
        }
    }
    None
}

/// `sa.insert` is the function; `audit_log.insert` is a method of a table object.
fn receiver_is_target(path: &str) -> bool {
    let receiver = path.trim_end_matches(".insert");
    !matches!(
        last_segment(receiver),
        "sa" | "sqlalchemy" | "expression" | "sql"
    )
}

fn name_target(node: Node<'_>, src: &str) -> Option<Target> {
    let path = callee_path(node, src)?;
    if path.contains(['(', '[']) {
        return None;
    }
    // `AuditLog.__table__`
    let path = path.trim_end_matches(".__table__");
    Some(target_of(last_segment(path)))
}

fn target_of(name: &str) -> Target {
    if is_class_name(name) {
        Target::Model(name.to_string())
    } else {
        Target::Table(name.to_string())
    }
}

/// The calls of a chain, outermost first: `requests.post(..).raise_for_status()` →
/// the `raise_for_status` call, then the `post` call.
fn chain_of(node: Node<'_>) -> Vec<Node<'_>> {
    let mut chain = vec![node];
    let mut current = node;
    while chain.len() < 32 {
        let Some(object) = current
            .field("function")
            .filter(|f| f.k() == "attribute")
            .and_then(|f| f.field("object"))
        else {
            break;
        };
        let object = crate::syntax::unwrap_expr(object);
        if object.k() != "call" {
            break;
        }
        chain.push(object);
        current = object;
    }
    chain
}

impl Extractor<'_> {
    pub(crate) fn operation<'t>(&mut self, node: Node<'t>, stack: &[Node<'t>]) {
        let src = self.src;
        // The inner calls of a chain are part of the outermost one's operation.
        if let Some(parent) = stack.last()
            && parent.k() == "attribute"
            && parent.field("object") == Some(node)
            && stack
                .len()
                .checked_sub(2)
                .and_then(|i| stack.get(i))
                .is_some_and(|g| g.k() == "call")
        {
            return;
        }
        let path = node.field("function").and_then(|f| callee_path(f, src));
        let enclosing = self.innermost_fn(stack);
        let chain = chain_of(node);
        let in_decorator = stack.iter().any(|n| n.k() == "decorator");
        let (sink, commit_on) = if in_decorator {
            (None, None)
        } else {
            self.sink_of(&chain, path.as_deref(), enclosing)
        };
        let callee = path.unwrap_or_else(|| "()".to_string());
        // The unit of work's `commit()`/`flush()` after a `session.add(..)`.
        let commit = commit_on.and_then(|receiver| {
            let scope = stack
                .iter()
                .rev()
                .find(|n| n.k() == "function_definition")
                .or(stack.first())
                .copied()?;
            later_commit(scope, &receiver, node.end_byte(), src)
        });
        let (guard, mut is_promise) = match commit {
            Some(commit) => {
                let ancestors = ancestors_of(commit);
                self.guard(commit, &ancestors)
            }
            None => self.guard(node, stack),
        };
        let result = self.result_use(node, stack);
        is_promise |= awaited(node, stack) || self.async_driver_write(sink.as_ref(), enclosing);
        if matches!(sink, Some(SinkSyntax::HttpRequest { .. })) {
            let chained = chain_checks_status(&chain, src);
            self.http_checks.push((self.facts.ops.len(), chained));
        }
        let value_check = None;
        self.facts.ops.push(Operation {
            span: Span::new(node.start_byte(), node.end_byte()),
            callee,
            sink,
            is_promise,
            enclosing,
            guard,
            value_check,
            result,
        });
    }

    /// A SQL write in an `async def` of a file that imports an asyncio database driver
    /// (`conn.execute(..)` with asyncpg): the call makes a coroutine, and without `await` it
    /// never runs. (DB-API cursors are synchronous: without such an import a call is taken as one.)
    fn async_driver_write(&self, sink: Option<&SinkSyntax>, enclosing: Option<FnId>) -> bool {
        matches!(sink, Some(SinkSyntax::SqlInsert { .. }))
            && enclosing
                .and_then(|f| self.facts.functions.get(f as usize))
                .is_some_and(|f| f.is_async)
            && self.facts.imports.iter().any(|import| {
                let root = import.source.split('.').next().unwrap_or_default();
                ASYNC_DRIVERS.contains(&root)
            })
    }

    /// The sink a chain's syntax names, and for a `session.add(..)` the receiver whose
    /// `commit()` runs it.
    /// `first` is the callee path of `chain[0]` (the operation's own call).
    fn sink_of(
        &self,
        chain: &[Node<'_>],
        first: Option<&str>,
        scope: Option<FnId>,
    ) -> (Option<SinkSyntax>, Option<String>) {
        let src = self.src;
        for (at, &call) in chain.iter().enumerate() {
            let inner;
            let path = if at == 0 {
                first
            } else {
                inner = call.field("function").and_then(|f| callee_path(f, src));
                inner.as_deref()
            };
            let Some(path) = path else {
                continue;
            };
            let method = last_segment(path);
            let receiver = path
                .len()
                .checked_sub(method.len() + 1)
                .map(|end| &path[..end]);
            // SQL text, or a SQLAlchemy Core insert, handed to something that runs it.
            if runs_sql(method) {
                let mut args = positional_args(call);
                args.truncate(3);
                for name in ["query", "sql", "statement", "stmt", "operation"] {
                    args.extend(keyword_arg(call, name, src));
                }
                for arg in args {
                    if let Some(sql) = string_value(arg, src, &self.consts)
                        && let Some(table) = insert_table(&sql)
                    {
                        return (Some(SinkSyntax::SqlInsert { table }), None);
                    }
                    if matches!(arg.k(), "call" | "identifier")
                        && let Some(target) = model_target(arg, src, &self.models, scope)
                        && (arg.k() == "identifier" || is_insert_call(arg, src))
                    {
                        return (Some(target.sink()), None);
                    }
                }
            }
            // SQLAlchemy's unit of work: `session.add(AuditLog(..))`.
            if matches!(method, "add" | "add_all")
                && let Some(receiver) = receiver
                && !receiver.contains(['(', '['])
                && let Some(first) = first_positional(call)
            {
                let element = if first.k() == "list" {
                    first.named_child(0)
                } else {
                    Some(first)
                };
                if let Some(Target::Model(model)) =
                    element.and_then(|e| model_target(e, src, &self.models, scope))
                {
                    return (
                        Some(SinkSyntax::ModelCreate { model }),
                        Some(receiver.to_string()),
                    );
                }
            }
            // Django `AuditLog.objects.create(..)`, Tortoise/peewee `AuditLog.create(..)`.
            if matches!(
                method,
                "create" | "bulk_create" | "acreate" | "abulk_create" | "insert_many"
            ) && let Some(model) = path
                .split('.')
                .next()
                .filter(|first| is_class_name(first) && !first.contains('('))
                && (path.contains(".objects.") || path.matches('.').count() == 1)
            {
                return (
                    Some(SinkSyntax::ModelCreate {
                        model: model.to_string(),
                    }),
                    None,
                );
            }
            // Django `AuditLog(..).save()`, `entry.save()` with `entry = AuditLog(..)`.
            if matches!(method, "save" | "asave")
                && let Some(object) = call.field("function").and_then(|f| f.field("object"))
                && let Some(Target::Model(model)) = model_target(object, src, &self.models, scope)
            {
                return (Some(SinkSyntax::ModelCreate { model }), None);
            }
            // `requests.post(url, ..)`, `httpx.post`, `client.put`, `session.request("POST", url)`.
            let http = match method {
                "post" | "put" | "patch" => {
                    first_positional(call).or_else(|| keyword_arg(call, "url", src))
                }
                "request" => {
                    let args = positional_args(call);
                    let verb = args.first().and_then(|v| plain_string(*v, src));
                    verb.filter(|v| {
                        matches!(v.to_ascii_uppercase().as_str(), "POST" | "PUT" | "PATCH")
                    })
                    .and_then(|_| {
                        args.get(1)
                            .copied()
                            .or_else(|| keyword_arg(call, "url", src))
                    })
                }
                _ => None,
            };
            if let Some(url) = http
                && receiver.is_some()
                && let Some(url) = string_value(url, src, &self.consts)
            {
                let url = url.trim().to_string();
                if !url.is_empty() {
                    return (Some(SinkSyntax::HttpRequest { url }), None);
                }
            }
        }
        (None, None)
    }

    /// What happens to the error of the call at `anchor`, innermost first; and whether the
    /// call is a coroutine or task we know of (awaited, gathered, scheduled).
    fn guard(&mut self, anchor: Node<'_>, ancestors: &[Node<'_>]) -> (Vec<GuardStep>, bool) {
        let src = self.src;
        let mut steps = Vec::new();
        let mut is_promise = false;
        let mut child = anchor;
        // A task `create_task` made from the call: its fate is the task's.
        let mut task = false;
        let mut i = ancestors.len();
        while i > 0 {
            i -= 1;
            let parent = ancestors[i];
            match parent.k() {
                "await" => {
                    is_promise = true;
                    steps.push(GuardStep::Await);
                    task = false;
                }
                "expression_statement" => {
                    steps.push(GuardStep::Dropped {
                        span: Span::new(child.start_byte(), child.end_byte()),
                        how: if task {
                            DropKind::Spawn
                        } else {
                            DropKind::Statement
                        },
                    });
                }
                "argument_list" | "generator_expression" if i > 0 => {
                    let call = ancestors[i - 1];
                    if call.k() != "call" {
                        child = parent;
                        continue;
                    }
                    let path = call
                        .field("function")
                        .and_then(|f| callee_path(f, src))
                        .unwrap_or_default();
                    let method = last_segment(&path);
                    let receiver = path.strip_suffix(method).unwrap_or_default();
                    match method {
                        "create_task" | "ensure_future" | "run_coroutine_threadsafe" => {
                            is_promise = true;
                            // A `TaskGroup` awaits its tasks; the event loop does not.
                            let fire_and_forget = receiver.is_empty()
                                || receiver.starts_with("asyncio.")
                                || receiver.to_lowercase().contains("loop");
                            if !fire_and_forget {
                                steps.push(GuardStep::Stored);
                                return (steps, is_promise);
                            }
                            task = true;
                        }
                        "gather" => {
                            is_promise = true;
                            if keyword_arg(call, "return_exceptions", src)
                                .is_some_and(|v| v.k() == "true")
                            {
                                let read = i >= 2
                                    && !matches!(ancestors[i - 2].k(), "expression_statement")
                                    && !(ancestors[i - 2].k() == "await"
                                        && i >= 3
                                        && ancestors[i - 3].k() == "expression_statement");
                                steps.push(GuardStep::Settled {
                                    span: Span::new(call.start_byte(), call.end_byte()),
                                    read,
                                });
                                return (steps, is_promise);
                            }
                        }
                        "wait_for" | "shield" | "run" | "run_until_complete" => {
                            is_promise = true;
                        }
                        _ => {
                            if task {
                                // `tasks.add(asyncio.create_task(..))`: the task is kept.
                                steps.push(GuardStep::Stored);
                                return (steps, is_promise);
                            }
                            steps.push(GuardStep::Argument {
                                callee: path.clone(),
                                span: Span::new(call.start_byte(), call.end_byte()),
                            });
                        }
                    }
                    child = call;
                    i -= 1;
                    continue;
                }
                "try_statement" if parent.field("body") == Some(child) => {
                    self.except_handlers(parent, &mut steps);
                }
                "with_statement" => {
                    if parent.field("body") == Some(child)
                        && let Some(handler) = suppress_handler(parent, src)
                    {
                        steps.push(GuardStep::handler(handler));
                    }
                }
                "return_statement" => steps.push(GuardStep::Returned),
                "assignment" | "augmented_assignment" if parent.field("right") == Some(child) => {
                    steps.push(GuardStep::Stored);
                    if task {
                        return (steps, is_promise);
                    }
                }
                "lambda" | "decorator" => {
                    steps.push(GuardStep::PassedOn);
                    return (steps, is_promise);
                }
                "function_definition" => {
                    steps.push(GuardStep::Exit(self.fn_ids.get(&parent.id()).copied()));
                    return (steps, is_promise);
                }
                _ => {}
            }
            child = parent;
        }
        steps.push(GuardStep::Exit(None));
        (steps, is_promise)
    }

    /// The `except` clauses of a `try` that catch an audit write's failure, in order.
    fn except_handlers(&mut self, try_node: Node<'_>, steps: &mut Vec<GuardStep>) {
        let src = self.src;
        let mut cursor = try_node.walk();
        for clause in try_node.named_children(&mut cursor) {
            if !matches!(clause.k(), "except_clause" | "except_group_clause") {
                continue;
            }
            let (types, alias) = except_types(clause, src);
            if !catches_failures(types, src) {
                continue;
            }
            let Some(block) = ({
                let mut c = clause.walk();
                clause.named_children(&mut c).find(|n| n.k() == "block")
            }) else {
                continue;
            };
            let head_end = {
                let mut c = clause.walk();
                clause
                    .children(&mut c)
                    .find(|n| n.k() == ":")
                    .map_or(block.start_byte(), |n| n.end_byte())
            };
            let mut effects = self
                .catch_effects
                .entry(clause.id())
                .or_insert_with(|| crate::effects::effects(block, alias.as_deref(), src))
                .clone();
            // A comment before the block's first statement sits outside the block node; one on
            // the `except …:` line itself is about the clause, not its body.
            effects.has_comments |= has_comment_child(clause, head_end, src);
            steps.push(GuardStep::handler(Handler {
                span: Span::new(clause.start_byte(), head_end),
                kind: HandlerKind::CatchClause,
                body: HandlerBody::Inline(effects),
                site: None,
            }));
        }
    }

    /// Where a call's result goes.
    fn result_use(&mut self, anchor: Node<'_>, ancestors: &[Node<'_>]) -> ResultUse {
        let src = self.src;
        let mut result = ResultUse {
            span: Span::new(anchor.start_byte(), anchor.end_byte()),
            ..ResultUse::default()
        };
        let mut child = anchor;
        let mut i = ancestors.len();
        while i > 0 {
            i -= 1;
            let parent = ancestors[i];
            match parent.k() {
                "await" | "parenthesized_expression" | "list_splat" | "conditional_expression" => {}
                "list_comprehension" | "generator_expression" | "set_comprehension" => {
                    if parent.field("body") != Some(child) {
                        result.escapes = true;
                        return result;
                    }
                }
                "argument_list" if i > 0 => {
                    let call = ancestors[i - 1];
                    let path = call
                        .field("function")
                        .and_then(|f| callee_path(f, src))
                        .unwrap_or_default();
                    if matches!(
                        last_segment(&path),
                        "gather" | "wait_for" | "shield" | "list" | "tuple"
                    ) {
                        child = call;
                        i -= 1;
                        continue;
                    }
                    result.escapes = true;
                    return result;
                }
                "expression_statement" => {
                    result.dropped = true;
                    return result;
                }
                "return_statement" => {
                    result.returned = true;
                    result.escapes = true;
                    return result;
                }
                "assignment" if parent.field("right") == Some(child) => {
                    match parent.field("left") {
                        Some(left) if left.k() == "identifier" => {
                            let scope = ancestors[..i]
                                .iter()
                                .rev()
                                .find(|n| n.k() == "function_definition")
                                .or(ancestors.first())
                                .copied();
                            if let Some(scope) = scope {
                                self.pending_uses.push(PendingUse {
                                    op: self.facts.ops.len(),
                                    name: text(left, src).to_string(),
                                    from: parent.end_byte(),
                                    end: scope.end_byte(),
                                    depth: 0,
                                });
                            }
                        }
                        _ => result.escapes = true,
                    }
                    return result;
                }
                "for_statement" | "for_in_clause" if parent.field("right") == Some(child) => {
                    let scope = ancestors[..i]
                        .iter()
                        .rev()
                        .find(|n| n.k() == "function_definition")
                        .or(ancestors.first())
                        .copied();
                    if let (Some(scope), Some(left)) = (scope, parent.field("left")) {
                        if left.k() == "identifier" {
                            let from = if parent.k() == "for_in_clause" && i > 0 {
                                ancestors[i - 1].start_byte()
                            } else {
                                parent.start_byte()
                            };
                            self.pending_uses.push(PendingUse {
                                op: self.facts.ops.len(),
                                name: text(left, src).to_string(),
                                from,
                                end: scope.end_byte(),
                                depth: 1,
                            });
                        } else {
                            result.escapes = true;
                        }
                    }
                    return result;
                }
                "attribute" if parent.field("object") == Some(child) => {
                    if let Some(attribute) = parent.field("attribute") {
                        result.fields.push(text(attribute, src).to_string());
                    }
                    return result;
                }
                "subscript" if parent.field("value") == Some(child) => {
                    if let Some(key) = parent.field("subscript").and_then(|k| plain_string(k, src))
                    {
                        result.fields.push(key);
                    }
                    return result;
                }
                "if_statement"
                | "while_statement"
                | "not_operator"
                | "boolean_operator"
                | "comparison_operator"
                | "assert_statement" => {
                    result.tested = true;
                    return result;
                }
                "with_item" | "as_pattern" => {
                    result.escapes = true;
                    return result;
                }
                _ => {
                    result.escapes = true;
                    return result;
                }
            }
            child = parent;
        }
        result.escapes = true;
        result
    }

    /// Records how an identifier is used, for the result uses resolved after the walk
    /// (see [`PendingUse`]): one pass over the file instead of a scan per call.
    pub(crate) fn record_use<'t>(&mut self, node: Node<'t>, stack: &[Node<'t>]) {
        let src = self.src;
        let Some(&parent) = stack.last() else { return };
        let grandparent = stack
            .len()
            .checked_sub(2)
            .and_then(|i| stack.get(i))
            .copied();
        let kind = match parent.k() {
            "subscript" if parent.field("value") == Some(node) => {
                match parent.field("subscript").and_then(|k| plain_string(k, src)) {
                    Some(key) => UseKind::Field(key),
                    // `results[0]`: an element; its fields are read further on.
                    None if grandparent
                        .is_some_and(|g| !matches!(g.k(), "attribute" | "subscript")) =>
                    {
                        UseKind::Escapes { returned: false }
                    }
                    None => return,
                }
            }
            "attribute" => {
                if parent.field("object") != Some(node) {
                    // `x.name`: `name` is no use of a variable.
                    return;
                }
                let attribute = parent
                    .field("attribute")
                    .map(|a| text(a, src))
                    .unwrap_or_default();
                match grandparent {
                    Some(call)
                        if attribute == "get"
                            && call.k() == "call"
                            && call.field("function") == Some(parent) =>
                    {
                        match first_positional(call).and_then(|k| plain_string(k, src)) {
                            Some(key) => UseKind::Field(key),
                            None => UseKind::Field(attribute.to_string()),
                        }
                    }
                    _ => UseKind::Field(attribute.to_string()),
                }
            }
            "for_statement" | "for_in_clause" if parent.field("right") == Some(node) => {
                match parent.field("left") {
                    Some(left) if left.k() == "identifier" => {
                        let from = if parent.k() == "for_in_clause" {
                            grandparent.map_or(parent.start_byte(), |g| g.start_byte())
                        } else {
                            parent.start_byte()
                        };
                        UseKind::Loop {
                            element: text(left, src).to_string(),
                            from,
                        }
                    }
                    _ => UseKind::Escapes { returned: false },
                }
            }
            "argument_list" => {
                if calls_a_reader(grandparent, src) {
                    return;
                }
                UseKind::Escapes { returned: false }
            }
            "return_statement" => UseKind::Escapes { returned: true },
            "expression_list" | "yield" => UseKind::Escapes { returned: false },
            "if_statement"
            | "while_statement"
            | "not_operator"
            | "boolean_operator"
            | "comparison_operator"
            | "assert_statement"
            | "conditional_expression" => UseKind::Tested,
            "assignment" | "augmented_assignment" if parent.field("right") == Some(node) => {
                UseKind::Escapes { returned: false }
            }
            "keyword_argument" if parent.field("value") == Some(node) => {
                UseKind::Escapes { returned: false }
            }
            "pair"
            | "list"
            | "tuple"
            | "set"
            | "dictionary"
            | "list_splat"
            | "dictionary_splat"
            | "parenthesized_expression"
            | "await"
            | "binary_operator" => UseKind::Escapes { returned: false },
            _ => return,
        };
        let name = text(node, src);
        let record = UseRecord {
            start: node.start_byte(),
            kind,
        };
        match self.uses.get_mut(name) {
            Some(records) => records.push(record),
            None => {
                self.uses.insert(name.to_string(), vec![record]);
            }
        }
    }

    /// Fills in the result uses of assigned calls, and then the value checks that depend on
    /// them, once every identifier of the file has been seen.
    pub(crate) fn resolve_pending_uses(&mut self) {
        let pending = std::mem::take(&mut self.pending_uses);
        for first in pending {
            let mut queue = vec![first];
            let mut steps = 0;
            while let Some(PendingUse {
                op,
                name,
                from,
                end,
                depth,
            }) = queue.pop()
            {
                steps += 1;
                if steps > 64 {
                    break;
                }
                let Some(records) = self.uses.get(&name) else {
                    continue;
                };
                let Some(result) = self.facts.ops.get_mut(op).map(|o| &mut o.result) else {
                    continue;
                };
                for record in records {
                    if record.start < from || record.start >= end {
                        continue;
                    }
                    match &record.kind {
                        UseKind::Field(field) => result.fields.push(field.clone()),
                        UseKind::Escapes { returned } => {
                            result.escapes = true;
                            result.returned |= *returned;
                        }
                        UseKind::Tested => result.tested = true,
                        UseKind::Loop { element, from } if depth < 2 => queue.push(PendingUse {
                            op,
                            name: element.clone(),
                            from: *from,
                            end,
                            depth: depth + 1,
                        }),
                        UseKind::Loop { .. } => {}
                    }
                }
            }
        }
        let checks = std::mem::take(&mut self.http_checks);
        for (op, chained) in checks {
            if let Some(op) = self.facts.ops.get_mut(op) {
                op.value_check = Some(http_check(chained, &op.result));
            }
        }
    }
}

/// A result use to resolve after the walk: the uses of `name` in `from..end`.
pub(crate) struct PendingUse {
    op: usize,
    name: String,
    from: usize,
    end: usize,
    depth: u32,
}

/// One use of an identifier.
pub(crate) struct UseRecord {
    start: usize,
    kind: UseKind,
}

pub(crate) enum UseKind {
    Field(String),
    Escapes {
        returned: bool,
    },
    Tested,
    /// `for element in name`: the element's uses from `from` on are the collection's.
    Loop {
        element: String,
        from: usize,
    },
}

/// `len(x)`, `print(x)`, `str(x)`, `repr(x)`, `bool(x)` (through parentheses and `await`): a
/// call whose callee path ([`callee_path`]) is one of these names, which only read their
/// arguments. No path is built.
fn calls_a_reader(call: Option<Node<'_>>, src: &str) -> bool {
    let Some(mut function) = call.and_then(|c| c.field("function")) else {
        return false;
    };
    loop {
        match function.k() {
            "identifier" => {
                return matches!(
                    text(function, src),
                    "len" | "print" | "str" | "repr" | "bool"
                );
            }
            "await" | "parenthesized_expression" => match function.named_child(0) {
                Some(inner) => function = inner,
                None => return false,
            },
            _ => return false,
        }
    }
}

/// `insert(..)`/`x.insert()` somewhere in a chain.
fn is_insert_call(node: Node<'_>, src: &str) -> bool {
    chain_of(node).iter().any(|c| {
        c.field("function")
            .and_then(|f| callee_path(f, src))
            .is_some_and(|p| last_segment(&p) == "insert")
    })
}

/// `except (DatabaseError, OSError) as e:`: the types node and the bound name.
fn except_types<'t>(clause: Node<'t>, src: &str) -> (Option<Node<'t>>, Option<String>) {
    let value = clause.field("value");
    let alias = clause.field("alias").map(|a| text(a, src).to_string());
    match value {
        // Older grammar shapes: `except E as e` as one `as_pattern`.
        Some(v) if v.k() == "as_pattern" => {
            let types = v.named_child(0);
            let alias = v
                .field("alias")
                .map(|a| text(a, src).trim().to_string())
                .or(alias);
            (types, alias)
        }
        other => (other, alias),
    }
}

/// `with contextlib.suppress(Exception):` around the call: a handler that discards.
fn suppress_handler(with: Node<'_>, src: &str) -> Option<Handler> {
    let mut cursor = with.walk();
    let clause = with
        .named_children(&mut cursor)
        .find(|n| n.k() == "with_clause")?;
    let mut c = clause.walk();
    for item in clause.named_children(&mut c) {
        let Some(value) = item.field("value") else {
            continue;
        };
        let value = if value.k() == "as_pattern" {
            value.named_child(0).unwrap_or(value)
        } else {
            value
        };
        if value.k() != "call" {
            continue;
        }
        let is_suppress = value
            .field("function")
            .and_then(|f| callee_path(f, src))
            .is_some_and(|p| last_segment(&p) == "suppress");
        if !is_suppress {
            continue;
        }
        let catches = value
            .field("arguments")
            .is_some_and(|a| catches_failures(Some(a), src) && a.named_child_count() > 0);
        if catches {
            return Some(Handler {
                span: Span::new(item.start_byte(), item.end_byte()),
                kind: HandlerKind::CatchClause,
                body: HandlerBody::Discard,
                site: None,
            });
        }
    }
    None
}

/// Is the call awaited (through parentheses)?
fn awaited(node: Node<'_>, stack: &[Node<'_>]) -> bool {
    let _ = node;
    stack
        .iter()
        .rev()
        .find(|n| n.k() != "parenthesized_expression")
        .is_some_and(|n| n.k() == "await")
}

/// The first `<receiver>.commit()` / `.flush()` call after byte `after` in `scope`.
fn later_commit<'t>(scope: Node<'t>, receiver: &str, after: usize, src: &str) -> Option<Node<'t>> {
    let mut best: Option<Node<'t>> = None;
    auditlint_core::tree::visit_bounded(scope, MAX_SCAN, |node| {
        if node.end_byte() <= after {
            return false;
        }
        if node.k() == "call"
            && node.start_byte() >= after
            && let Some(path) = node.field("function").and_then(|f| callee_path(f, src))
            && let Some(method) = path
                .strip_prefix(receiver)
                .and_then(|m| m.strip_prefix('.'))
            && matches!(method, "commit" | "flush")
            && best.is_none_or(|b| node.start_byte() < b.start_byte())
        {
            best = Some(node);
        }
        !(matches!(node.k(), "function_definition" | "lambda") && node != scope)
    });
    best
}

/// The ancestors of a node, outermost first.
fn ancestors_of(node: Node<'_>) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    let mut current = node.parent();
    while let Some(n) = current {
        out.push(n);
        if out.len() > crate::MAX_DEPTH {
            break;
        }
        current = n.parent();
    }
    out.reverse();
    out
}

/// Does a response's field or method name read its status?
fn reads_status(name: &str) -> bool {
    matches!(
        name,
        "raise_for_status"
            | "status_code"
            | "ok"
            | "status"
            | "is_success"
            | "is_error"
            | "is_client_error"
            | "is_server_error"
    )
}

/// `requests.post(..).raise_for_status()`: the chain reads the status.
fn chain_checks_status(chain: &[Node<'_>], src: &str) -> bool {
    chain.iter().any(|c| {
        c.field("function")
            .and_then(|f| callee_path(f, src))
            .is_some_and(|p| reads_status(last_segment(&p)))
    })
}

/// A `requests`/`httpx` response: is its status looked at?
fn http_check(chained: bool, result: &ResultUse) -> ValueCheck {
    if chained || result.escapes || result.tested || result.fields.iter().any(|f| reads_status(f)) {
        return ValueCheck::Read;
    }
    ValueCheck::Unread { span: result.span }
}

/// Does a node have a comment among its direct children on a line after byte `after`?
fn has_comment_child(node: Node<'_>, after: usize, src: &str) -> bool {
    let mut cursor = node.walk();
    node.children(&mut cursor).any(|c| {
        c.k() == "comment"
            && src
                .get(after..c.start_byte())
                .is_some_and(|gap| gap.contains('\n'))
    })
}
