//! Following one operation's error out of its function: promise handlers, `await`, enclosing
//! `try` blocks, callbacks (`map`, `forEach`, IIFEs), combinators (`Promise.all`), and — for
//! APIs that report failure as a value — whether that value is read.

use crate::syntax::{Field, NodeKind};
use auditlint_core::Span;
use auditlint_core::facts::{
    DropKind, ErrorBinder, FnId, GuardStep, Handler, HandlerBody, HandlerKind, HandlerSite,
    Operation, SinkSyntax, SiteBody, ValueCheck,
};
use tree_sitter::Node;

use crate::effects::effects;
use crate::syntax::{
    block_end, callee_path, is_async, is_function, is_transparent, last_segment, literal_text,
    nth_named, text, unwrap_expr,
};
use crate::{Extractor, first_parameter};

/// `client.post("/audit/events", body)` is a request when the receiver is no router (`app.post(
/// "/audit", handler)` registers a route) and no argument is a function.
fn is_http_client_call(
    function: Node<'_>,
    args: Option<Node<'_>>,
    url: Option<&str>,
    src: &str,
) -> bool {
    let Some(url) = url else { return false };
    if !(url.starts_with('/') || url.starts_with("http") || url.contains("://")) {
        return false;
    }
    let receiver = function
        .field("object")
        .and_then(|o| callee_path(o, src))
        .unwrap_or_default();
    let last = last_segment(&receiver).to_ascii_lowercase();
    let routerish = last.ends_with("router")
        || last.ends_with("app")
        || matches!(
            last.as_str(),
            "server" | "fastify" | "routes" | "route" | "hono" | "express" | "r"
        );
    if routerish {
        return false;
    }
    let Some(args) = args else { return true };
    let mut cursor = args.walk();
    !args
        .named_children(&mut cursor)
        .any(|a| is_function(unwrap_expr(a).node_kind()))
}

/// `axios({ method: "post", url: "/audit" })`: the URL of a writing request config.
fn axios_config_url(config: Node<'_>, src: &str) -> Option<String> {
    let mut cursor = config.walk();
    let mut url = None;
    let mut writes = false;
    for member in config.named_children(&mut cursor) {
        if member.node_kind() != "pair" {
            continue;
        }
        let key = member
            .field("key")
            .map_or("", |k| text(k, src).trim_matches(['"', '\'']));
        let value = member.field("value").map(unwrap_expr);
        let literal = value.and_then(|v| literal_text(v, src));
        match key {
            "url" => url = literal.map(str::to_string),
            "method" => {
                writes = literal.is_none_or(|m| {
                    matches!(m.to_ascii_uppercase().as_str(), "POST" | "PUT" | "PATCH")
                });
            }
            _ => {}
        }
    }
    url.filter(|_| writes)
}

/// A model class named as a value: `AuditLog` (an identifier or member starting uppercase).
fn model_name(node: Node<'_>, src: &str) -> Option<String> {
    if !matches!(node.node_kind(), "identifier" | "member_expression") {
        return None;
    }
    let path = callee_path(node, src)?;
    let last = last_segment(&path);
    last.starts_with(|c: char| c.is_ascii_uppercase())
        .then(|| last.to_string())
}

/// `AuditLog.create(..)`: a method called on a model class.
fn model_receiver(function: Node<'_>, src: &str) -> Option<String> {
    if function.node_kind() != "member_expression" {
        return None;
    }
    model_name(unwrap_expr(function.field("object")?), src)
}

/// `new AuditLog(..).save()`: the model a saved document was built from.
fn new_model(function: Node<'_>, src: &str) -> Option<String> {
    let object = unwrap_expr(function.field("object")?);
    if object.node_kind() != "new_expression" {
        return None;
    }
    model_name(unwrap_expr(object.field("constructor")?), src)
}

/// `manager.insert(AuditLog, ..)`, `this.em.save(AuditLog, ..)`, `dataSource.manager`.
fn is_entity_manager(function: Node<'_>, src: &str) -> bool {
    function
        .field("object")
        .and_then(|o| callee_path(o, src))
        .is_some_and(|receiver| {
            let last = last_segment(&receiver).to_ascii_lowercase();
            last == "em" || last.ends_with("manager")
        })
}

/// Does `fetch(url, init)` write? Without `init`, or with an object literal that names no
/// `method`, it is a GET; a literal method writes when it is POST, PUT or PATCH. An `init` we
/// cannot read (a variable, a spread) may write.
fn fetch_writes(init: Option<Node<'_>>, src: &str) -> bool {
    let Some(init) = init.map(unwrap_expr) else {
        return false;
    };
    if init.node_kind() != "object" {
        return true;
    }
    let mut cursor = init.walk();
    let mut method = None;
    for member in init.named_children(&mut cursor) {
        match member.node_kind() {
            "spread_element" => return true,
            "pair" => {
                let key = member
                    .field("key")
                    .map_or("", |k| text(k, src).trim_matches(['"', '\'']));
                if key == "method" {
                    method = member.field("value");
                }
            }
            "shorthand_property_identifier" if text(member, src) == "method" => return true,
            _ => {}
        }
    }
    let Some(method) = method else {
        return false;
    };
    match literal_text(unwrap_expr(method), src) {
        Some(m) => matches!(m.to_ascii_uppercase().as_str(), "POST" | "PUT" | "PATCH"),
        None => true,
    }
}

/// Steps beyond this many are not followed (a chain of thousands of `.then`s).
const MAX_STEPS: usize = 256;

enum Next {
    /// Follow the error from this path index on (a combinator or a callback's call).
    Continue(usize),
    Done,
}

impl<'s> Extractor<'s> {
    /// Analyses the call at the end of `path` (the ancestors of the call, then the call).
    pub(crate) fn operation<'t>(&mut self, path: &[Node<'t>], uses: &crate::flow::Uses<'t>)
    where
        's: 't,
    {
        let top = path.len() - 1;
        let op = path[top];
        if !self.is_top(path, top) {
            return;
        }
        let src = self.src;
        let Some(function) = op.field("function") else {
            return;
        };
        // `x.then(..)`, `x.catch(..)`, `x.finally(..)` are handlers of the operation `x`.
        if function.node_kind() == "member_expression"
            && function
                .field("property")
                .is_some_and(|p| matches!(text(p, self.src), "then" | "catch" | "finally"))
        {
            return;
        }
        let callee = callee_path(function, src).unwrap_or_else(|| "?".to_string());
        let (sink, promise_api) = self.chain_sink(op);
        if sink.is_none() {
            self.note_forward_consts(op);
        }
        let value_fields: Option<&[&str]> = match &sink {
            Some(SinkSyntax::HttpRequest { .. }) => Some(&["ok", "status", "statusText"]),
            Some(s) if s.is_value_style() => Some(&["error", "status", "statusText"]),
            _ => None,
        };
        let mut value_check = value_fields.map(|_| ValueCheck::Read);
        let mut steps = Vec::new();
        let mut is_promise = promise_api;
        let mut cur = top;
        let mut first = true;
        // Is the value at `cur` still the operation's own promise (maybe returned from a
        // `map` callback), rather than something computed from it?
        let mut own = true;
        while steps.len() < MAX_STEPS {
            cur = self.promise_chain(path, cur, &mut steps, &mut is_promise);
            let from = steps.len();
            let next = self.context(
                path,
                cur,
                &mut steps,
                first.then_some(value_fields).flatten(),
                &mut value_check,
                own.then_some(&mut is_promise),
            );
            first = false;
            own = own
                && steps[from..]
                    .iter()
                    .all(|s| matches!(s, GuardStep::Returned | GuardStep::Callback { .. }));
            match next {
                Next::Continue(at) => cur = at,
                Next::Done => break,
            }
        }
        let enclosing = path[..top]
            .iter()
            .rev()
            .find(|n| is_function(n.node_kind()))
            .and_then(|n| self.fn_ids.get(&n.id()).copied());
        // `ids.map(evaluateTier)`: the function passed by reference is called once per item,
        // its results are the collection's elements.
        let reference = (matches!(last_segment(&callee), "map" | "flatMap" | "forEach"))
            .then(|| {
                let arg = op.field("arguments")?.named_child(0)?;
                let arg = unwrap_expr(arg);
                matches!(arg.node_kind(), "identifier" | "member_expression")
                    .then(|| callee_path(arg, self.src))
                    .flatten()
                    .map(|path| (path, span_of(arg)))
            })
            .flatten();
        if let Some((reference, _)) = reference {
            let mut guard = vec![GuardStep::Callback { is_async: false }];
            if last_segment(&callee) == "forEach" {
                guard.push(GuardStep::Dropped {
                    span: span_of(op),
                    how: DropKind::ForEach,
                });
            }
            guard.extend(steps.iter().cloned());
            self.facts.ops.push(Operation {
                span: span_of(op),
                callee: reference,
                sink: None,
                is_promise: false,
                enclosing,
                guard,
                value_check: None,
                result: crate::flow::collection_use(self.src, uses, path),
            });
        }
        self.facts.ops.push(Operation {
            span: span_of(op),
            callee,
            sink,
            is_promise,
            enclosing,
            guard: steps,
            value_check,
            result: crate::flow::result_use(self.src, uses, path),
        });
    }

    fn is_top(&self, path: &[Node<'_>], top: usize) -> bool {
        let Some(parent) = top.checked_sub(1).map(|p| path[p]) else {
            return true;
        };
        if parent.node_kind() != "member_expression" || parent.field("object") != Some(path[top]) {
            return true;
        }
        let property = parent.field("property").map_or("", |p| text(p, self.src));
        matches!(property, "then" | "catch" | "finally")
    }

    /// The sink named anywhere in the call chain, and whether the API is promise-only.
    fn chain_sink(&self, op: Node<'_>) -> (Option<SinkSyntax>, bool) {
        let src = self.src;
        let calls = crate::syntax::chain_calls(op);
        let mut sink = None;
        let mut pending_table: Option<(String, &'static str)> = None;
        // A model named earlier in the chain (`getRepository(AuditLog)`, `AuditLog.query()`).
        let mut pending_model: Option<String> = None;
        let mut tagged = false;
        let mut inserted = false;
        for (position, call) in calls.iter().rev().enumerate() {
            let Some(function) = call.field("function") else {
                continue;
            };
            let function = unwrap_expr(function);
            let method = match function.node_kind() {
                "member_expression" => function.field("property").map_or("", |p| text(p, src)),
                "identifier" => text(function, src),
                _ => "",
            };
            let args = call.field("arguments");
            let mut literals: Vec<String> = Vec::new();
            let mut first_arg: Option<Node<'_>> = None;
            let mut second_arg: Option<Node<'_>> = None;
            if let Some(args) = args {
                if args.node_kind() == "template_string" {
                    tagged = true;
                    literals.push(literal_text(args, src).unwrap_or("").to_string());
                } else {
                    let mut cursor = args.walk();
                    let args = args
                        .named_children(&mut cursor)
                        .filter(|a| a.node_kind() != "comment");
                    for (i, arg) in args.enumerate() {
                        let arg = unwrap_expr(arg);
                        if i == 0 {
                            first_arg = Some(arg);
                        } else if i == 1 {
                            second_arg = Some(arg);
                        }
                        if let Some(lit) = self.literal_or_const(arg) {
                            literals.push(lit);
                        }
                    }
                }
            }
            let first_literal = first_arg.and_then(|a| self.literal_or_const(a));
            if sink.is_none()
                && let Some(table) = literals
                    .iter()
                    .find_map(|l| auditlint_core::sql::insert_table(l))
            {
                sink = Some(SinkSyntax::SqlInsert { table });
            }
            match method {
                "save" | "bulkCreate" | "insert" | "insertMany" | "upsert"
                    if pending_model.is_none()
                        && pending_table.is_none()
                        && let Some(model) = self.injected_model(function) =>
                {
                    // `this.repo.save(..)` on an injected `Repository<AuditLog>`.
                    sink = Some(SinkSyntax::ModelCreate { model });
                }
                "from" | "table" => {
                    if let Some(t) = first_literal.clone() {
                        let api = if method == "from" { "supabase" } else { "knex" };
                        pending_table = Some((t, api));
                    }
                }
                "insertInto" => {
                    if let Some(table) = first_literal.clone() {
                        sink = Some(SinkSyntax::BuilderInsert {
                            table,
                            api: "kysely",
                        });
                    }
                }
                "insert" | "upsert" => {
                    inserted = true;
                    if let Some((table, api)) = pending_table.take() {
                        sink = Some(SinkSyntax::BuilderInsert { table, api });
                    } else if let Some(model) = pending_model.take() {
                        sink = Some(SinkSyntax::ModelCreate { model });
                    } else if let Some(model) = first_arg
                        .filter(|_| is_entity_manager(function, src))
                        .and_then(|a| model_name(unwrap_expr(a), src))
                    {
                        sink = Some(SinkSyntax::ModelCreate { model });
                    } else if let Some(arg) = first_arg
                        && matches!(arg.node_kind(), "identifier" | "member_expression")
                        && let Some(path) = callee_path(arg, src)
                    {
                        sink = Some(SinkSyntax::TableObjectInsert {
                            object: last_segment(&path).to_string(),
                        });
                    } else if method == "upsert"
                        && let Some(model) = prisma_model(function, src)
                    {
                        // Prisma: `prisma.auditLog.upsert({ … })`.
                        sink = Some(SinkSyntax::ModelCreate { model });
                    }
                }
                "into" if inserted => {
                    if let Some(table) = first_literal.clone() {
                        sink = Some(SinkSyntax::BuilderInsert { table, api: "knex" });
                    }
                }
                "create" | "createMany" | "createManyAndReturn" => {
                    if let Some(model) = prisma_model(function, src) {
                        sink = Some(SinkSyntax::ModelCreate { model });
                    } else if let Some(model) = model_receiver(function, src) {
                        // Sequelize/Mongoose: `AuditLog.create({ .. })` on a model class.
                        sink = Some(SinkSyntax::ModelCreate { model });
                    }
                }
                "rpc" => {
                    if let Some(function) = first_literal.clone() {
                        sink = Some(SinkSyntax::RemoteCall { function });
                    }
                }
                "invoke"
                    if callee_path(function, src).is_some_and(|p| p.contains("functions.")) =>
                {
                    if let Some(function) = first_literal.clone() {
                        sink = Some(SinkSyntax::RemoteCall { function });
                    }
                }
                "fetch" if fetch_writes(second_arg, src) => {
                    let receiver = callee_path(function, src).unwrap_or_default();
                    let url = first_literal.clone().unwrap_or(receiver);
                    sink = Some(SinkSyntax::HttpRequest { url });
                }
                // ofetch/`$fetch`, ky, got: fetch-shaped clients that reject on an error status.
                "ofetch" | "$fetch" | "ky" | "got"
                    if function.node_kind() == "identifier" && fetch_writes(second_arg, src) =>
                {
                    if let Some(url) = first_literal.clone() {
                        sink = Some(SinkSyntax::HttpClient { url });
                    }
                }
                // axios, ky, got, superagent, an `axios.create()` instance: `client.post(url, ..)`.
                "post" | "put" | "patch"
                    if is_http_client_call(function, args, first_literal.as_deref(), src) =>
                {
                    if let Some(url) = first_literal.clone() {
                        sink = Some(SinkSyntax::HttpClient { url });
                    }
                }
                // `axios({ method: "post", url: "/audit" })`, `axios.request({ .. })`.
                "axios" | "request"
                    if first_arg.is_some_and(|a| unwrap_expr(a).node_kind() == "object") =>
                {
                    if let Some(url) = first_arg.and_then(|a| axios_config_url(unwrap_expr(a), src))
                    {
                        sink = Some(SinkSyntax::HttpClient { url });
                    }
                }
                // Redis: `redis.xadd("audit:stream", ..)`, `lpush("audit_log", ..)` — the key
                // names the store.
                "xadd" | "lpush" | "rpush" | "zadd" | "sadd" | "hset" | "hmset" | "setex"
                    if function.node_kind() == "member_expression" =>
                {
                    if let Some(key) = first_literal.clone() {
                        sink = Some(SinkSyntax::BuilderInsert {
                            table: key,
                            api: "redis",
                        });
                    }
                }
                // MikroORM: `em.persistAndFlush(new AuditLog(..))`, `em.persist(new AuditLog(..))`.
                "persist" | "persistAndFlush" => {
                    if let Some(model) = first_arg.and_then(|a| {
                        let a = unwrap_expr(a);
                        (a.node_kind() == "new_expression")
                            .then(|| model_name(unwrap_expr(a.field("constructor")?), src))
                            .flatten()
                    }) {
                        sink = Some(SinkSyntax::ModelCreate { model });
                    }
                }
                // MongoDB: `db.collection("audit_logs").insertOne(..)`.
                "collection" => {
                    if let Some(t) = first_literal.clone() {
                        pending_table = Some((t, "mongo"));
                    }
                }
                "insertOne" | "insertMany" | "bulkWrite" => {
                    if let Some((table, api)) = pending_table.take() {
                        sink = Some(SinkSyntax::BuilderInsert { table, api });
                    } else if let Some(model) = model_receiver(function, src) {
                        // Mongoose: `AuditLog.insertMany([..])`.
                        sink = Some(SinkSyntax::ModelCreate { model });
                    }
                }
                // TypeORM: `getRepository(AuditLog).save(..)`, `manager.insert(AuditLog, ..)`;
                // Objection: `AuditLog.query().insert(..)`.
                "getRepository" | "getMongoRepository" | "getCustomRepository" => {
                    if let Some(model) = first_arg.and_then(|a| model_name(unwrap_expr(a), src)) {
                        pending_model = Some(model);
                    }
                }
                "query" if position == 0 => {
                    if let Some(model) = model_receiver(function, src) {
                        pending_model = Some(model);
                    }
                }
                "save" | "bulkCreate" => {
                    if let Some(model) = pending_model.take() {
                        sink = Some(SinkSyntax::ModelCreate { model });
                    } else if let Some(model) = first_arg
                        .filter(|_| is_entity_manager(function, src))
                        .and_then(|a| model_name(unwrap_expr(a), src))
                    {
                        sink = Some(SinkSyntax::ModelCreate { model });
                    } else if let Some(model) = new_model(function, src).or_else(|| {
                        (method == "bulkCreate")
                            .then(|| model_receiver(function, src))
                            .flatten()
                    }) {
                        // Mongoose `new AuditLog(..).save()`, Sequelize `AuditLog.bulkCreate`.
                        sink = Some(SinkSyntax::ModelCreate { model });
                    }
                }
                _ => {}
            }
            // `knex("audit_trail").insert(..)`: a table named by the chain's first call.
            if position == 0
                && function.node_kind() == "identifier"
                && method != "fetch"
                && let Some(t) = first_literal
                && pending_table.is_none()
                && !t.contains(' ')
            {
                pending_table = Some((t, "knex"));
            }
        }
        let promise_api = match &sink {
            Some(SinkSyntax::SqlInsert { .. }) => {
                tagged
                    || callee_path(op, src).is_some_and(|p| p.contains("env.") || p.contains("DB."))
            }
            Some(_) => true,
            None => false,
        };
        (sink, promise_api)
    }

    /// `this.repo.save`, `repo.insert`: the model of an injected repository the receiver is.
    fn injected_model(&self, function: Node<'_>) -> Option<String> {
        if function.node_kind() != "member_expression" || self.repositories.is_empty() {
            return None;
        }
        let receiver = callee_path(function.field("object")?, self.src)?;
        let field = receiver.strip_prefix("this.").unwrap_or(&receiver);
        self.repositories.get(field).cloned()
    }

    fn literal_or_const(&self, arg: Node<'_>) -> Option<String> {
        if let Some(lit) = literal_text(arg, self.src) {
            return Some(lit.to_string());
        }
        (arg.node_kind() == "identifier")
            .then(|| self.consts.get(text(arg, self.src)).cloned())
            .flatten()
    }

    /// Identifier arguments of `op`'s chain that name no constant seen so far.
    fn note_forward_consts(&mut self, op: Node<'_>) {
        for call in crate::syntax::chain_calls(op) {
            let Some(args) = call.field("arguments") else {
                continue;
            };
            let mut cursor = args.walk();
            for arg in args.named_children(&mut cursor) {
                let arg = unwrap_expr(arg);
                let name = text(arg, self.src);
                if arg.node_kind() == "identifier" && !self.consts.contains_key(name) {
                    self.forward_consts.push((span_of(op), name.to_string()));
                }
            }
        }
    }

    /// `.then(ok, onRejected)`, `.catch(cb)`, `.finally(cb)` chained on `path[cur]`; returns the
    /// index of the chain's end.
    fn promise_chain(
        &mut self,
        path: &[Node<'_>],
        mut cur: usize,
        steps: &mut Vec<GuardStep>,
        is_promise: &mut bool,
    ) -> usize {
        while cur >= 2 {
            let member = path[cur - 1];
            let call = path[cur - 2];
            if member.node_kind() != "member_expression"
                || member.field("object") != Some(path[cur])
                || call.node_kind() != "call_expression"
                || call.field("function") != Some(member)
            {
                break;
            }
            let Some(property) = member.field("property") else {
                break;
            };
            let args = call.field("arguments");
            let arg = |i: usize| args.and_then(|a| nth_named(a, i));
            let handler_arg = match text(property, self.src) {
                "catch" => arg(0),
                "then" => arg(1),
                "finally" => None,
                _ => break,
            };
            *is_promise = true;
            if let Some(handler) = handler_arg {
                let scope = self.scope_at(path, cur);
                steps.push(GuardStep::handler(Handler {
                    span: Span::new(property.start_byte(), call.end_byte()),
                    kind: HandlerKind::RejectionCallback,
                    body: self.callback_body(handler),
                    site: self.callback_site(handler, scope),
                }));
            }
            cur -= 2;
        }
        cur
    }

    /// The innermost function around `path[at]`.
    fn scope_at(&self, path: &[Node<'_>], at: usize) -> Option<FnId> {
        path[..at.min(path.len())]
            .iter()
            .rev()
            .find(|n| is_function(n.node_kind()))
            .and_then(|n| self.fn_ids.get(&n.id()).copied())
    }

    /// Where a fix can log in `catch (e) { … }` / `catch { … }`; none for a destructuring
    /// parameter or a clause the parser had to repair.
    fn catch_site(&self, clause: Node<'_>, scope: Option<FnId>) -> Option<HandlerSite> {
        let body = clause.field("body")?;
        if clause.has_error() || body.node_kind() != "statement_block" {
            return None;
        }
        let binder = match clause.field("parameter") {
            Some(p) if p.node_kind() == "identifier" => {
                ErrorBinder::Named(text(p, self.src).to_string())
            }
            Some(_) => return None,
            None => {
                let keyword = clause.child(0).filter(|k| k.node_kind() == "catch")?;
                ErrorBinder::Unnamed {
                    span: Span::new(keyword.end_byte(), keyword.end_byte()),
                    before: " (".to_string(),
                    after: ")".to_string(),
                }
            }
        };
        Some(HandlerSite {
            binder,
            body: SiteBody::Block(span_of(body)),
            scope,
            own_this: false,
        })
    }

    /// Where a fix can log in a rejection callback written in place (`(e) => { … }`,
    /// `() => null`, `function (err) { … }`); none for a function passed by reference.
    fn callback_site(&self, handler: Node<'_>, outer: Option<FnId>) -> Option<HandlerSite> {
        let function = unwrap_expr(handler);
        if !is_function(function.node_kind()) || function.has_error() {
            return None;
        }
        let body = function.field("body")?;
        let identifier = |node: Node<'_>| {
            let pattern = node.field("pattern").unwrap_or(node);
            (pattern.node_kind() == "identifier").then(|| text(pattern, self.src).to_string())
        };
        let binder = if let Some(single) = function.field("parameter") {
            ErrorBinder::Named(identifier(single)?)
        } else {
            let params = function.field("parameters")?;
            match nth_named(params, 0) {
                Some(first) => ErrorBinder::Named(identifier(first)?),
                None if text(params, self.src) == "()" => ErrorBinder::Unnamed {
                    span: span_of(params),
                    before: "(".to_string(),
                    after: ")".to_string(),
                },
                None => return None,
            }
        };
        let body = if body.node_kind() == "statement_block" {
            SiteBody::Block(span_of(body))
        } else {
            SiteBody::Expression(span_of(body))
        };
        // The callback is walked after the call it is handed to: the function around the call
        // is the scope (the callback's own parameters are its error, never a logger).
        Some(HandlerSite {
            binder,
            body,
            scope: outer,
            own_this: function.node_kind() != "arrow_function",
        })
    }

    fn callback_body(&self, handler: Node<'_>) -> HandlerBody {
        let handler = unwrap_expr(handler);
        if is_function(handler.node_kind())
            && let Some(body) = handler.field("body")
        {
            let error = first_parameter(handler, self.src);
            return HandlerBody::Inline(effects(body, error.as_deref(), self.src));
        }
        HandlerBody::Reference(callee_path(handler, self.src).unwrap_or_else(|| "?".to_string()))
    }

    /// Where the value of `path[cur]` goes. `own_promise` is given when that value is the
    /// operation's own: handing it to a promise combinator says it is a promise.
    fn context(
        &mut self,
        path: &[Node<'_>],
        mut cur: usize,
        steps: &mut Vec<GuardStep>,
        value_fields: Option<&[&str]>,
        value_check: &mut Option<ValueCheck>,
        mut own_promise: Option<&mut bool>,
    ) -> Next {
        for _ in 0..64 {
            let Some(parent) = cur.checked_sub(1) else {
                return Next::Done;
            };
            let node = path[parent];
            let child = path[cur];
            match node.node_kind() {
                kind if is_transparent(kind) => cur = parent,
                "binary_expression" | "sequence_expression" => cur = parent,
                "ternary_expression" if node.field("condition") != Some(child) => {
                    cur = parent;
                }
                "await_expression" => {
                    steps.push(GuardStep::Await);
                    if let Some(fields) = value_fields {
                        *value_check = Some(self.value_check(path, parent, fields));
                    }
                    return self.try_walk(path, parent, steps);
                }
                "expression_statement" => {
                    steps.push(GuardStep::Dropped {
                        span: span_of(path[path.len() - 1]),
                        how: DropKind::Statement,
                    });
                    if value_fields.is_some() {
                        *value_check = None;
                    }
                    return self.try_walk(path, parent, steps);
                }
                "unary_expression" if text(node, self.src).starts_with("void") => {
                    steps.push(GuardStep::Dropped {
                        span: span_of(node),
                        how: DropKind::Void,
                    });
                    if value_fields.is_some() {
                        *value_check = None;
                    }
                    return self.try_walk(path, parent, steps);
                }
                "return_statement" => {
                    steps.push(GuardStep::Returned);
                    return self.try_walk(path, parent, steps);
                }
                "arrow_function" => {
                    steps.push(GuardStep::Returned);
                    return self.try_walk(path, cur, steps);
                }
                "array" => {
                    // `Promise.all([a(), b()])`
                    if parent >= 2
                        && path[parent - 1].node_kind() == "arguments"
                        && let Some(next) =
                            self.combinator(path, parent - 2, steps, own_promise.as_deref_mut())
                    {
                        return next;
                    }
                    // `pSettle([write()])`: an array handed to a call, as the call's argument.
                    if parent >= 2
                        && path[parent - 1].node_kind() == "arguments"
                        && path[parent - 2].node_kind() == "call_expression"
                        && let Some(callee) = path[parent - 2]
                            .field("function")
                            .and_then(|f| callee_path(f, self.src))
                    {
                        steps.push(GuardStep::Argument {
                            callee,
                            span: span_of(path[parent - 2]),
                        });
                        return self.try_walk(path, parent, steps);
                    }
                    steps.push(GuardStep::Stored);
                    return self.try_walk(path, parent, steps);
                }
                "arguments" => {
                    if parent >= 1
                        && let Some(next) =
                            self.combinator(path, parent - 1, steps, own_promise.as_deref_mut())
                    {
                        return next;
                    }
                    let call = parent.checked_sub(1).map(|c| path[c]);
                    match call
                        .filter(|c| c.node_kind() == "call_expression")
                        .and_then(|c| c.field("function"))
                        .and_then(|f| callee_path(f, self.src))
                    {
                        Some(callee) => steps.push(GuardStep::Argument {
                            callee,
                            span: call.map(span_of).unwrap_or_default(),
                        }),
                        None => steps.push(GuardStep::Stored),
                    }
                    return self.try_walk(path, parent, steps);
                }
                _ => {
                    steps.push(GuardStep::Stored);
                    return self.try_walk(path, parent, steps);
                }
            }
        }
        Next::Done
    }

    /// `Promise.all/race/any(..)` carry the rejection on; `allSettled` captures it;
    /// `waitUntil` drops it. `None` for any other call. Each takes promises: an operation
    /// handed to one directly (`own_promise`) is known to produce one.
    fn combinator(
        &mut self,
        path: &[Node<'_>],
        call: usize,
        steps: &mut Vec<GuardStep>,
        own_promise: Option<&mut bool>,
    ) -> Option<Next> {
        let node = path[call];
        if node.node_kind() != "call_expression" {
            return None;
        }
        let callee = callee_path(node.field("function")?, self.src)?;
        let is_combinator = matches!(
            callee.as_str(),
            "Promise.all" | "Promise.race" | "Promise.any" | "Promise.allSettled"
        ) || last_segment(&callee) == "waitUntil";
        if is_combinator && let Some(is_promise) = own_promise {
            *is_promise = true;
        }
        match callee.as_str() {
            "Promise.all" | "Promise.race" | "Promise.any" => Some(Next::Continue(call)),
            "Promise.allSettled" => {
                let read = self.settled_read(path, call);
                steps.push(GuardStep::Settled {
                    span: span_of(node),
                    read,
                });
                Some(self.try_walk(path, call, steps))
            }
            _ if last_segment(&callee) == "waitUntil" => {
                steps.push(GuardStep::Dropped {
                    span: span_of(node),
                    how: DropKind::WaitUntil,
                });
                Some(self.try_walk(path, call, steps))
            }
            _ => None,
        }
    }

    /// Enclosing `try` blocks up to the function boundary, then the boundary itself.
    fn try_walk(&mut self, path: &[Node<'_>], from: usize, steps: &mut Vec<GuardStep>) -> Next {
        let mut i = from;
        while i > 0 {
            let at = i - 1;
            let node = path[at];
            let child = path[i];
            if is_function(node.node_kind()) {
                return self.boundary(path, at, steps);
            }
            if node.node_kind() == "try_statement"
                && node.field("body") == Some(child)
                && let Some(clause) = node.field("handler")
            {
                // Summarised once per clause, however many operations its `try` holds.
                let src = self.src;
                let body = self
                    .catch_effects
                    .entry(clause.id())
                    .or_insert_with(|| {
                        let error = clause
                            .field("parameter")
                            .filter(|p| p.node_kind() == "identifier")
                            .map(|p| text(p, src).to_string());
                        clause
                            .field("body")
                            .map(|b| effects(b, error.as_deref(), src))
                            .unwrap_or_default()
                    })
                    .clone();
                let end = clause.field("body").map_or(clause.end_byte(), block_end);
                let site = self.catch_site(clause, self.scope_at(path, at));
                steps.push(GuardStep::handler(Handler {
                    span: Span::new(clause.start_byte(), end),
                    kind: HandlerKind::CatchClause,
                    body: HandlerBody::Inline(body),
                    site,
                }));
            }
            i = at;
        }
        steps.push(GuardStep::Exit(None));
        Next::Done
    }

    /// The error leaves function `path[at]`: a named function (its callers), a callback of
    /// `map`/`forEach` or an IIFE (followed on), or a callback handed to other code.
    fn boundary(&mut self, path: &[Node<'_>], at: usize, steps: &mut Vec<GuardStep>) -> Next {
        let function = path[at];
        let id = self.fn_ids.get(&function.id()).copied();
        let named = id.is_some_and(|id| self.facts.functions[id as usize].name.is_some());
        if !named {
            let parent = crate::syntax::skip_transparent_up(path, at);
            let Some(p) = parent.checked_sub(1) else {
                steps.push(GuardStep::Exit(id));
                return Next::Done;
            };
            let is_async = is_async(function);
            match path[p].node_kind() {
                "arguments" if p >= 1 => {
                    let call = path[p - 1];
                    let method = crate::syntax::method_name(call, self.src);
                    match method.as_str() {
                        "map" | "flatMap" => {
                            steps.push(GuardStep::Callback { is_async });
                            return Next::Continue(p - 1);
                        }
                        "forEach" => {
                            steps.push(GuardStep::Callback { is_async });
                            steps.push(GuardStep::Dropped {
                                span: span_of(call),
                                how: DropKind::ForEach,
                            });
                            return Next::Continue(p - 1);
                        }
                        // Scheduled for later: what the callback returns is dropped (a
                        // synchronous throw there crashes the process: loud, not ours).
                        "setImmediate" | "setTimeout" | "setInterval" | "queueMicrotask"
                        | "nextTick" => {
                            steps.push(GuardStep::Callback { is_async });
                            steps.push(GuardStep::Dropped {
                                span: span_of(call),
                                how: DropKind::Scheduled,
                            });
                            steps.push(GuardStep::PassedOn);
                            return Next::Done;
                        }
                        _ => {
                            steps.push(GuardStep::PassedOn);
                            return Next::Done;
                        }
                    }
                }
                "call_expression" => {
                    // `(async () => { … })()`
                    steps.push(GuardStep::Callback { is_async });
                    return Next::Continue(p);
                }
                _ => {}
            }
        }
        steps.push(GuardStep::Exit(id));
        Next::Done
    }

    /// Is the awaited result of a value-style API (`path[await_at]`) checked?
    fn value_check(&self, path: &[Node<'_>], await_at: usize, fields: &[&str]) -> ValueCheck {
        let awaited = path[await_at];
        let parent = crate::syntax::skip_transparent_up(path, await_at);
        let Some(p) = parent.checked_sub(1) else {
            return ValueCheck::Read;
        };
        let holder = path[p];
        match holder.node_kind() {
            "expression_statement" => ValueCheck::Unread {
                span: span_of(awaited),
            },
            "variable_declarator" => {
                let Some(name) = holder.field("name") else {
                    return ValueCheck::Read;
                };
                let scope = scope_of(path, p);
                match name.node_kind() {
                    "identifier" => {
                        let name_text = text(name, self.src);
                        if self.result_read(scope, name, name_text, fields) {
                            // `result.error` thrown, not anything else of `result`
                            // (`if (!result.data) throw new NotFound()`).
                            let src = self.src;
                            self.read_or_thrown(path, p, &|node| {
                                reads_field(node, name_text, fields, src)
                            })
                        } else {
                            ValueCheck::Unread {
                                span: span_of(holder),
                            }
                        }
                    }
                    "object_pattern" => {
                        let mut cursor = name.walk();
                        for prop in name.named_children(&mut cursor) {
                            let binding = match prop.node_kind() {
                                "shorthand_property_identifier_pattern"
                                    if fields.contains(&text(prop, self.src)) =>
                                {
                                    Some(prop)
                                }
                                "pair_pattern"
                                    if prop
                                        .field("key")
                                        .is_some_and(|k| fields.contains(&text(k, self.src))) =>
                                {
                                    prop.field("value")
                                }
                                "rest_pattern" => return ValueCheck::Read,
                                _ => None,
                            };
                            if let Some(binding) = binding
                                && self.identifier_used(scope, binding)
                            {
                                let (binding, src) = (text(binding, self.src), self.src);
                                return self.read_or_thrown(path, p, &|node| {
                                    crate::effects::mentions(node, Some(binding), src)
                                });
                            }
                        }
                        ValueCheck::Unread {
                            span: span_of(holder),
                        }
                    }
                    _ => ValueCheck::Read,
                }
            }
            _ => ValueCheck::Read,
        }
    }

    /// A value-style result bound at `path[at]` whose error a node reads when `reads` says so:
    /// is that error thrown in the `try` block holding the binding (`if (error) throw error;`,
    /// `if (error) { throw new Error(error.message) }`)? Then it reaches that `try`'s handler.
    fn read_or_thrown(
        &self,
        path: &[Node<'_>],
        at: usize,
        reads: &dyn Fn(Node<'_>) -> bool,
    ) -> ValueCheck {
        let holder = path[at];
        // The innermost `try` around the binding, within its function, and its block.
        let Some(body) = path[..at]
            .iter()
            .rev()
            .take_while(|n| !is_function(n.node_kind()))
            .find(|n| n.node_kind() == "try_statement")
            .and_then(|t| t.field("body"))
            .filter(|b| b.start_byte() <= holder.start_byte() && holder.end_byte() <= b.end_byte())
        else {
            return ValueCheck::Read;
        };
        // Statements after the binding, outside nested functions: a `throw` reading the error,
        // or under an `if` whose condition does.
        let mut stack: Vec<(Node<'_>, bool)> = vec![(body, false)];
        let mut visited = 0;
        while let Some((node, guarded)) = stack.pop() {
            visited += 1;
            if visited > 200_000 {
                break;
            }
            let kind = node.node_kind();
            if node.end_byte() <= holder.end_byte() && node != body || is_function(kind) {
                continue;
            }
            if kind == "throw_statement" && (guarded || reads(node)) {
                return ValueCheck::Thrown;
            }
            let guarded =
                guarded || kind == "if_statement" && node.field("condition").is_some_and(reads);
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor).map(|c| (c, guarded)));
        }
        ValueCheck::Read
    }

    /// Is variable `decl` (named `name`) read for one of `fields`, or used whole?
    fn result_read(&self, scope: Node<'_>, decl: Node<'_>, name: &str, fields: &[&str]) -> bool {
        let mut stack: Vec<(Node<'_>, Option<Node<'_>>)> = vec![(scope, None)];
        let mut visited = 0;
        while let Some((node, parent)) = stack.pop() {
            visited += 1;
            if visited > 200_000 {
                return true;
            }
            if node.node_kind() == "identifier" && node != decl && text(node, self.src) == name {
                let Some(parent) = parent else { return true };
                if parent.node_kind() == "member_expression" && parent.field("object") == Some(node)
                {
                    let property = parent.field("property").map_or("", |p| text(p, self.src));
                    if fields.contains(&property) {
                        return true;
                    }
                } else {
                    // Returned, passed on, stored: the reader's business.
                    return true;
                }
            }
            let mut cursor = node.walk();
            for child in node.named_children(&mut cursor) {
                stack.push((child, Some(node)));
            }
        }
        false
    }

    /// Is the identifier bound at `binding` used anywhere else in `scope`?
    fn identifier_used(&self, scope: Node<'_>, binding: Node<'_>) -> bool {
        let name = text(binding, self.src);
        let mut stack = vec![scope];
        let mut visited = 0;
        while let Some(node) = stack.pop() {
            visited += 1;
            if visited > 200_000 {
                return true;
            }
            if matches!(
                node.node_kind(),
                "identifier" | "shorthand_property_identifier"
            ) && node != binding
                && text(node, self.src) == name
            {
                return true;
            }
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
        false
    }

    /// Are the results of `Promise.allSettled` at `path[call]` read?
    fn settled_read(&self, path: &[Node<'_>], call: usize) -> bool {
        let mut at = call;
        while at > 0
            && (is_transparent(path[at - 1].node_kind())
                || path[at - 1].node_kind() == "await_expression")
        {
            at -= 1;
        }
        let Some(p) = at.checked_sub(1) else {
            return true;
        };
        match path[p].node_kind() {
            "expression_statement" => false,
            "unary_expression" if text(path[p], self.src).starts_with("void") => false,
            "variable_declarator" => path[p]
                .field("name")
                .is_none_or(|name| self.identifier_used(scope_of(path, p), name)),
            _ => true,
        }
    }
}

/// `client.<model>.create`: the model of a Prisma-style delegate call.
fn prisma_model(function: Node<'_>, src: &str) -> Option<String> {
    let object = function.field("object")?;
    if object.node_kind() != "member_expression" {
        return None;
    }
    let model = object.field("property")?;
    Some(text(model, src).to_string())
}

/// The innermost function (or the program) containing `path[at]`.
/// Does `node` read `name.<field>` for one of `fields` (`result.error`, `res?.status`), outside
/// nested functions?
fn reads_field(node: Node<'_>, name: &str, fields: &[&str], src: &str) -> bool {
    use auditlint_core::tree::{Look, search};
    search(node, 20_000, |n| match n.node_kind() {
        "member_expression"
            if n.field("object")
                .is_some_and(|o| o.node_kind() == "identifier" && text(o, src) == name)
                && n.field("property")
                    .is_some_and(|p| fields.contains(&text(p, src))) =>
        {
            Look::Found(())
        }
        kind if is_function(kind) => Look::Skip,
        _ => Look::Enter,
    })
    .is_some()
}

fn scope_of<'t>(path: &[Node<'t>], at: usize) -> Node<'t> {
    path[..at]
        .iter()
        .rev()
        .find(|n| is_function(n.node_kind()))
        .copied()
        .unwrap_or(path[0])
}

fn span_of(node: Node<'_>) -> Span {
    Span::new(node.start_byte(), node.end_byte())
}
