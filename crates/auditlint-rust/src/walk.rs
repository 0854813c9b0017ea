//! One walk over a parsed file: functions, types, imports, and every call chain with what
//! happens to its error (guard steps) and to its value (result use).
//!
//! The walk keeps the path from the file's root to the current node on an explicit stack of
//! [`Node`]s; a call's fate is read by climbing that stack ([`crate::walk::Walker::guard`] and
//! [`crate::flow`]). Nothing recurses deeper than syn's own tree (bounded by the nesting check
//! in [`crate::extract`]).

use std::collections::HashMap;

use auditlint_core::Span;
use auditlint_core::facts::{
    FileFacts, FnId, Function, GuardStep, Handler, HandlerBody, HandlerKind, Operation, ResultUse,
    TypeDecl,
};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Arm, Block, Expr, Local, Pat, Stmt};

use crate::flow::{NameInfo, UseEnd};

/// Ancestors of the node being visited.
#[derive(Clone, Copy)]
pub(crate) enum Node<'a> {
    Expr(&'a Expr),
    Stmt(&'a Stmt),
    Local(&'a Local),
    Block,
    Arm(&'a Arm),
    /// A function item's body.
    Fn(FnId),
    /// Any other item: a `const`, a `static`, a module.
    Item,
}

/// The names of one function body, and the calls whose fate depends on them.
#[derive(Default)]
pub(crate) struct Scope {
    pub names: HashMap<String, NameInfo>,
    /// Calls whose result ends in a binding: their result use is read at the end of the scope.
    pub result_bindings: Vec<(usize, UseEnd, Option<Span>)>,
    /// `let r = write();`: the error's fate continues where `r` is first used.
    pub guard_bindings: Vec<GuardBinding>,
}

pub(crate) struct GuardBinding {
    pub name: String,
    pub op: usize,
    pub spawned: bool,
    pub let_span: Span,
    pub used: bool,
}

pub struct Walker<'a> {
    pub(crate) text: &'a str,
    /// Byte offsets of the text's token positions.
    offsets: crate::spans::Offsets<'a>,
    base: usize,
    pub(crate) facts: FileFacts,
    pub(crate) stack: Vec<Node<'a>>,
    /// `const NAME: &str = "…"`: SQL kept in constants.
    pub(crate) consts: HashMap<String, String>,
    /// The self type of the `impl` (or the trait) being walked.
    impl_types: Vec<Option<String>>,
    /// The trait of the `impl` being walked (`impl AuditSink for DbSink`).
    impl_traits: Vec<Option<String>>,
    pub(crate) scopes: Vec<Scope>,
    /// Walk `#[cfg(test)]` items and test functions too.
    check_tests: bool,
    /// Statements parsed out of macro bodies, walked where the macro is.
    macro_bodies: &'a crate::macros::MacroBodies,
}

impl<'a> Walker<'a> {
    pub(crate) fn run(
        file: &'a syn::File,
        macro_bodies: &'a crate::macros::MacroBodies,
        consts: HashMap<String, String>,
        text: &'a str,
        base: usize,
        check_tests: bool,
    ) -> FileFacts {
        let mut walker = Walker {
            text,
            offsets: crate::spans::Offsets::new(text),
            base,
            facts: FileFacts::default(),
            stack: Vec::with_capacity(64),
            consts,
            impl_types: Vec::new(),
            impl_traits: Vec::new(),
            scopes: Vec::new(),
            check_tests,
            macro_bodies,
        };
        walker.visit_file(file);
        // Top-level code outside functions (consts, statics) has no scope to finish.
        walker.facts
    }

    /// A syn span as a byte span of the original text.
    pub(crate) fn span(&self, span: proc_macro2::Span) -> Span {
        Span::new(
            self.offsets.start(span) + self.base,
            self.offsets.end(span) + self.base,
        )
    }

    pub(crate) fn span_of(&self, node: &impl Spanned) -> Span {
        self.span(node.span())
    }

    /// An expression's span from its first and last tokens (see [`crate::spans`]): the cost of
    /// its depth, not of its size.
    pub(crate) fn expr_span(&self, expr: &Expr) -> Span {
        let (start, end) = crate::spans::expr_range(expr, &self.offsets);
        Span::new(start + self.base, end + self.base)
    }

    /// `let pat = value;` from its attributes or `let` to its `;`.
    pub(crate) fn local_span(&self, local: &Local) -> Span {
        let start = local
            .attrs
            .first()
            .map_or(local.let_token.span, |a| a.pound_token.span);
        Span {
            start: self.span(start).start,
            end: self.span(local.semi_token.span).end,
        }
    }

    pub(crate) fn block_span(&self, block: &Block) -> Span {
        let (start, end) = crate::spans::block_range(block, &self.offsets);
        Span::new(start + self.base, end + self.base)
    }

    /// From the start of `a` to the end of `b`.
    pub(crate) fn join(&self, a: &impl Spanned, b: &impl Spanned) -> Span {
        let (a, b) = (self.span_of(a), self.span_of(b));
        Span {
            start: a.start.min(b.start),
            end: a.end.max(b.end),
        }
    }

    pub(crate) fn source(&self, span: Span) -> &str {
        let start = (span.start as usize).saturating_sub(self.base);
        let end = (span.end as usize).saturating_sub(self.base);
        self.text.get(start..end).unwrap_or("")
    }

    /// The innermost function item around the current node.
    pub(crate) fn enclosing_fn(&self) -> Option<FnId> {
        self.stack.iter().rev().find_map(|n| match n {
            Node::Fn(id) => Some(*id),
            _ => None,
        })
    }

    fn function(&mut self, sig: &'a syn::Signature, body: Option<&'a Block>) {
        let id = self.facts.functions.len() as FnId;
        let mut return_type_names = Vec::new();
        if let syn::ReturnType::Type(_, ty) = &sig.output {
            crate::names::type_names(ty, &mut return_type_names);
        }
        let effects = body
            .filter(|b| b.stmts.len() <= 20)
            .map(|b| crate::effects::of_block(self, b, first_param(sig).as_deref()).effects);
        let parent = self.enclosing_fn();
        let mut locals = Vec::new();
        for input in &sig.inputs {
            let syn::FnArg::Typed(t) = input else {
                continue;
            };
            let Pat::Ident(ident) = &*t.pat else {
                continue;
            };
            let name = ident.ident.to_string();
            // `db: &DbConn`: method calls on `db` resolve through `impl DbConn`.
            if let Some(ty) = receiver_type(&t.ty) {
                self.facts.bindings.push(auditlint_core::facts::Binding {
                    name: name.clone(),
                    scope: Some(id),
                    source: auditlint_core::facts::BindingSource::Type(ty),
                });
            }
            locals.push(name);
        }
        self.facts.functions.push(Function {
            parent,
            locals,
            name: Some(sig.ident.to_string()),
            class: self.impl_types.last().cloned().flatten(),
            implements: self.impl_traits.last().cloned().flatten(),
            member_of: None,
            keyed: false,
            span: self.span_of(&sig.ident),
            // Rust futures are values and errors travel in `Result`s: a call's error is
            // judged like a synchronous one (a dropped future never runs at all).
            is_async: false,
            returned_fields: Vec::new(),
            return_type_names,
            return_type_fields: Vec::new(),
            effects,
        });
        let Some(body) = body else {
            return;
        };
        self.stack.push(Node::Fn(id));
        self.scopes.push(Scope::default());
        self.visit_block(body);
        self.finish_scope();
        self.stack.pop();
    }

    /// The end of a function body: results bound to names get their use, bindings never read
    /// swallow their error.
    fn finish_scope(&mut self) {
        let Some(scope) = self.scopes.pop() else {
            return;
        };
        for (op, end, aggregate) in scope.result_bindings {
            let mut result = crate::flow::result_of(&end, &scope.names);
            result.span = aggregate.unwrap_or(self.facts.ops[op].span);
            self.facts.ops[op].result = result;
            self.finish_value_check(op);
        }
        for binding in scope.guard_bindings {
            if binding.used {
                continue;
            }
            let reason_span = binding.let_span;
            let guard = &mut self.facts.ops[binding.op].guard;
            if binding.spawned {
                guard.push(GuardStep::Dropped {
                    span: reason_span,
                    how: auditlint_core::facts::DropKind::Spawn,
                });
            } else {
                guard.push(GuardStep::handler(Handler {
                    span: reason_span,
                    kind: HandlerKind::ErrValue,
                    body: HandlerBody::Discard,
                    site: None,
                }));
            }
        }
    }

    /// A macro statement that starts a chain (`writeln!(audit_log, ..);`): its `Result` is
    /// dropped by the statement, or is the block's value.
    fn macro_statement(&mut self, stmt: &'a syn::StmtMacro) {
        let chain = vec![crate::sinks::Link::Macro(&stmt.mac)];
        let span = self.span_of(stmt);
        let at = self.stack.len() - 1;
        let op = self.push_op(&chain, span);
        if stmt.semi_token.is_some() {
            let site = self.discarded(stmt, &stmt.mac);
            self.facts.ops[op].guard = vec![GuardStep::handler(Handler {
                span,
                kind: HandlerKind::ErrValue,
                body: HandlerBody::DroppedValue,
                site,
            })];
            self.facts.ops[op].result.dropped = true;
        } else {
            let mut steps = Vec::new();
            let mut spawned = false;
            // The statement is its block's tail, never bound by a `let`: climb from it.
            let binding = self.guard(at, &mut steps, &mut spawned);
            debug_assert!(binding.is_none());
            self.facts.ops[op].guard = steps;
        }
    }

    fn push_op(&mut self, chain: &[crate::sinks::Link<'_>], span: Span) -> usize {
        let op = self.facts.ops.len();
        self.facts.ops.push(Operation {
            span,
            callee: crate::sinks::callee(chain),
            sink: crate::sinks::sink(chain, &self.consts),
            is_promise: false,
            enclosing: self.enclosing_fn(),
            guard: Vec::new(),
            value_check: None,
            result: ResultUse {
                span,
                ..ResultUse::default()
            },
        });
        op
    }

    /// A call chain whose error and value we follow.
    fn operation(&mut self, expr: &'a Expr) {
        let span = self.expr_span(expr);
        let op = self.push_op(&crate::sinks::chain(expr), span);
        let at = self.stack.len() - 1;
        let mut steps = Vec::new();
        let mut spawned = false;
        if let Some((name, let_span)) = self.guard(at, &mut steps, &mut spawned)
            && let Some(scope) = self.scopes.last_mut()
        {
            scope.guard_bindings.push(GuardBinding {
                name,
                op,
                spawned,
                let_span,
                used: false,
            });
        }
        self.facts.ops[op].guard = steps;
        let (end, aggregate) = self.value_use(at);
        match self.scopes.last_mut() {
            Some(scope) => scope.result_bindings.push((op, end, aggregate)),
            None => {
                let mut result = crate::flow::result_of(&end, &HashMap::new());
                result.span = aggregate.unwrap_or(span);
                self.facts.ops[op].result = result;
                self.finish_value_check(op);
            }
        }
    }

    /// A value-style request (an HTTP call to an audit URL) is checked when its status is read.
    fn finish_value_check(&mut self, op: usize) {
        let op = &mut self.facts.ops[op];
        if !op.sink.as_ref().is_some_and(|s| s.is_value_style()) {
            return;
        }
        let read = op.result.escapes
            || op.result.tested
            || op.result.fields.iter().any(|f| {
                matches!(
                    f.as_str(),
                    "status" | "error_for_status" | "error_for_status_ref" | "is_success"
                )
            });
        op.value_check = Some(if read {
            auditlint_core::facts::ValueCheck::Read
        } else {
            auditlint_core::facts::ValueCheck::Unread {
                span: op.result.span,
            }
        });
    }

    /// A use of a plain name: part of a result's flow, and maybe where a bound error goes on.
    fn name_use(&mut self, name: &str) {
        let Some(scope) = self.scopes.last() else {
            return;
        };
        let at = self.stack.len() - 1;
        if let Some(index) = scope
            .guard_bindings
            .iter()
            .rposition(|b| b.name == name && !b.used)
        {
            let mut steps = Vec::new();
            let mut spawned = scope.guard_bindings[index].spawned;
            let op = scope.guard_bindings[index].op;
            let rebound = self.guard(at, &mut steps, &mut spawned);
            if let Some(scope) = self.scopes.last_mut() {
                scope.guard_bindings[index].used = true;
                if let Some((name, let_span)) = rebound {
                    scope.guard_bindings.push(GuardBinding {
                        name,
                        op,
                        spawned,
                        let_span,
                        used: false,
                    });
                }
            }
            self.facts.ops[op].guard.extend(steps);
        }
        let (end, _) = self.value_use(at);
        if let Some(scope) = self.scopes.last_mut() {
            // Looked up before a key is made: most uses are of a name already seen.
            match scope.names.get_mut(name) {
                Some(info) => info.add(&end),
                None => scope.names.entry(name.to_string()).or_default().add(&end),
            }
        }
    }

    /// Tokens of a macro body: `IDENT . field` reads, credited to every name the macro mentions
    /// (`matches!(r, Ok(o) if o.upgraded)`, `info!("{}", o.upgraded)`).
    fn macro_reads(&mut self, tokens: &proc_macro2::TokenStream) {
        if self.scopes.is_empty() {
            return;
        }
        let mut idents: Vec<proc_macro2::Ident> = Vec::new();
        let mut fields: Vec<String> = Vec::new();
        let mut stack = vec![tokens.clone().into_iter()];
        let mut after_dot = false;
        while let Some(top) = stack.last_mut() {
            let Some(token) = top.next() else {
                stack.pop();
                continue;
            };
            match token {
                proc_macro2::TokenTree::Group(group) => {
                    after_dot = false;
                    stack.push(group.stream().into_iter());
                }
                proc_macro2::TokenTree::Punct(p) => after_dot = p.as_char() == '.',
                proc_macro2::TokenTree::Ident(ident) => {
                    if after_dot {
                        fields.push(ident.to_string());
                    } else {
                        idents.push(ident);
                    }
                    after_dot = false;
                }
                proc_macro2::TokenTree::Literal(_) => after_dot = false,
            }
        }
        if let Some(scope) = self.scopes.last_mut() {
            // `assert!(r.is_ok())`, `tracing::warn!(?r)`, `dbg!(r)`: a bound result read in a
            // macro is used (how, the tokens do not say), so it is not discarded.
            for binding in scope.guard_bindings.iter_mut() {
                if !binding.used && idents.iter().any(|i| *i == binding.name) {
                    binding.used = true;
                }
            }
        }
        if fields.is_empty() {
            return;
        }
        if let Some(scope) = self.scopes.last_mut() {
            for ident in idents {
                scope
                    .names
                    .entry(ident.to_string())
                    .or_default()
                    .fields
                    .extend(fields.iter().cloned());
            }
        }
    }
}

/// The first trait of a bound list (`dyn AuditSink + Send` → `AuditSink`).
fn trait_bound(
    bounds: &syn::punctuated::Punctuated<syn::TypeParamBound, syn::Token![+]>,
) -> Option<String> {
    bounds.iter().find_map(|b| match b {
        syn::TypeParamBound::Trait(t) => t.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    })
}

/// `Type::new(..)`, `module::Type::from(..)`, `Type { .. }` (also behind `.await`/`?`): the
/// type a constructor call builds. Only a capitalised path segment before the function counts.
fn constructed_type(expr: &Expr) -> Option<String> {
    let mut expr = expr;
    for _ in 0..8 {
        match expr {
            Expr::Await(a) => expr = &a.base,
            Expr::Try(t) => expr = &t.expr,
            Expr::Paren(p) => expr = &p.expr,
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else { return None };
                let segments: Vec<String> = p
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                let [.., ty, _] = segments.as_slice() else {
                    return None;
                };
                return ty
                    .starts_with(|c: char| c.is_ascii_uppercase())
                    .then(|| ty.clone());
            }
            Expr::Struct(s) => return s.path.segments.last().map(|s| s.ident.to_string()),
            _ => return None,
        }
    }
    None
}

/// The type whose methods a value of type `ty` has: `&DbConn` → `DbConn`, `Arc<AuditLog>` →
/// `AuditLog`, `&mut sqlx::PgConnection` → `PgConnection`.
fn receiver_type(ty: &syn::Type) -> Option<String> {
    let mut ty = ty;
    for _ in 0..16 {
        match ty {
            syn::Type::Reference(r) => ty = &r.elem,
            syn::Type::Paren(p) => ty = &p.elem,
            syn::Type::Group(g) => ty = &g.elem,
            // `&dyn AuditSink`, `impl AuditSink`: the trait (its impls have the methods).
            syn::Type::TraitObject(t) => return trait_bound(&t.bounds),
            syn::Type::ImplTrait(t) => return trait_bound(&t.bounds),
            syn::Type::Path(p) => {
                let last = p.path.segments.last()?;
                let name = last.ident.to_string();
                let wrapper = matches!(
                    name.as_str(),
                    "Arc" | "Rc" | "Box" | "Mutex" | "RwLock" | "RefCell" | "Cow"
                );
                if !wrapper {
                    return Some(name);
                }
                let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                    return None;
                };
                ty = args.args.iter().find_map(|a| match a {
                    syn::GenericArgument::Type(t) => Some(t),
                    _ => None,
                })?;
            }
            _ => return None,
        }
    }
    None
}

fn first_param(sig: &syn::Signature) -> Option<String> {
    sig.inputs.iter().find_map(|input| match input {
        syn::FnArg::Typed(t) => match &*t.pat {
            Pat::Ident(i) => Some(i.ident.to_string()),
            _ => None,
        },
        syn::FnArg::Receiver(_) => None,
    })
}

/// Is this expression where a call chain ends (not the receiver of another link)?
fn is_chain_top(stack: &[Node<'_>], expr: &Expr) -> bool {
    let Some(Node::Expr(parent)) = stack.iter().rev().nth(1) else {
        return true;
    };
    match parent {
        Expr::MethodCall(m) => {
            !std::ptr::eq(&*m.receiver, expr)
                || crate::sinks::is_adapter(crate::names::Name::of(&m.method).as_str())
        }
        Expr::Call(c) => !std::ptr::eq(&*c.func, expr),
        _ => true,
    }
}

/// `#[cfg(test)]`, `#[test]`, `#[tokio::test]`, `#[rstest]`, `#[sqlx::test]`: test code.
fn is_test_item(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        let path = attr.path();
        let last = path
            .segments
            .last()
            .map(|s| crate::names::Name::of(&s.ident));
        match last.as_ref().map(crate::names::Name::as_str) {
            Some("test" | "rstest" | "bench" | "test_case") => true,
            Some("cfg") => attr
                .meta
                .require_list()
                .is_ok_and(|list| list.tokens.to_string().trim() == "test"),
            _ => false,
        }
    })
}

impl<'a> Visit<'a> for Walker<'a> {
    fn visit_item_fn(&mut self, item: &'a syn::ItemFn) {
        if !self.check_tests && is_test_item(&item.attrs) {
            return;
        }
        self.impl_traits.push(None);
        self.impl_types.push(None);
        self.function(&item.sig, Some(&item.block));
        self.impl_types.pop();
        self.impl_traits.pop();
    }

    fn visit_impl_item_fn(&mut self, item: &'a syn::ImplItemFn) {
        if !self.check_tests && is_test_item(&item.attrs) {
            return;
        }
        self.function(&item.sig, Some(&item.block));
    }

    fn visit_trait_item_fn(&mut self, item: &'a syn::TraitItemFn) {
        self.function(&item.sig, item.default.as_ref());
    }

    fn visit_item_impl(&mut self, item: &'a syn::ItemImpl) {
        if !self.check_tests && is_test_item(&item.attrs) {
            return;
        }
        self.impl_types
            .push(crate::names::last_type_name(&item.self_ty));
        self.impl_traits.push(
            item.trait_
                .as_ref()
                .and_then(|(path, _)| path.segments.last())
                .map(|s| s.ident.to_string()),
        );
        self.stack.push(Node::Item);
        syn::visit::visit_item_impl(self, item);
        self.stack.pop();
        self.impl_traits.pop();
        self.impl_types.pop();
    }

    fn visit_item_trait(&mut self, item: &'a syn::ItemTrait) {
        self.impl_types.push(Some(item.ident.to_string()));
        self.stack.push(Node::Item);
        syn::visit::visit_item_trait(self, item);
        self.stack.pop();
        self.impl_types.pop();
    }

    fn visit_item_struct(&mut self, item: &'a syn::ItemStruct) {
        // `struct AuditService { repo: AuditLogRepository }`: `self.repo.create(..)` in its
        // methods resolves through `impl AuditLogRepository`.
        if let syn::Fields::Named(named) = &item.fields {
            for field in &named.named {
                if let (Some(ident), Some(ty)) = (&field.ident, receiver_type(&field.ty)) {
                    self.facts.bindings.push(auditlint_core::facts::Binding {
                        name: format!("self.{ident}"),
                        scope: None,
                        source: auditlint_core::facts::BindingSource::Type(ty),
                    });
                }
            }
        }
        let fields = match &item.fields {
            syn::Fields::Named(named) => named
                .named
                .iter()
                .filter_map(|f| {
                    let ident = f.ident.as_ref()?;
                    Some((ident.to_string(), self.span_of(ident)))
                })
                .collect(),
            _ => Vec::new(),
        };
        self.facts.types.push(TypeDecl {
            name: item.ident.to_string(),
            fields,
            names: Vec::new(),
        });
    }

    fn visit_item_use(&mut self, item: &'a syn::ItemUse) {
        crate::names::imports(&item.tree, &mut self.facts.imports);
        let mut trees = vec![&item.tree];
        while let Some(tree) = trees.pop() {
            match tree {
                syn::UseTree::Path(p) => self.facts.path_roots.push(p.ident.to_string()),
                syn::UseTree::Name(n) => self.facts.path_roots.push(n.ident.to_string()),
                syn::UseTree::Rename(r) => self.facts.path_roots.push(r.ident.to_string()),
                syn::UseTree::Group(g) => trees.extend(g.items.iter()),
                syn::UseTree::Glob(_) => {}
            }
        }
    }

    fn visit_item_const(&mut self, item: &'a syn::ItemConst) {
        self.stack.push(Node::Item);
        syn::visit::visit_item_const(self, item);
        self.stack.pop();
    }

    fn visit_item_static(&mut self, item: &'a syn::ItemStatic) {
        self.stack.push(Node::Item);
        syn::visit::visit_item_static(self, item);
        self.stack.pop();
    }

    fn visit_item_mod(&mut self, item: &'a syn::ItemMod) {
        if !self.check_tests && is_test_item(&item.attrs) {
            return;
        }
        self.stack.push(Node::Item);
        self.impl_types.push(None);
        syn::visit::visit_item_mod(self, item);
        self.impl_types.pop();
        self.stack.pop();
    }

    fn visit_block(&mut self, block: &'a Block) {
        self.stack.push(Node::Block);
        syn::visit::visit_block(self, block);
        self.stack.pop();
    }

    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        self.stack.push(Node::Stmt(stmt));
        if let Stmt::Macro(m) = stmt
            && crate::sinks::is_op_macro(&m.mac)
        {
            self.macro_statement(m);
        }
        syn::visit::visit_stmt(self, stmt);
        self.stack.pop();
    }

    fn visit_local(&mut self, local: &'a Local) {
        // `let repo: AuditLogRepository = ..`, `let repo = AuditLogRepository::new(..)`: method
        // calls on `repo` resolve through that type's `impl`.
        let (pat, ty) = match &local.pat {
            Pat::Type(t) => (&*t.pat, receiver_type(&t.ty)),
            other => (other, None),
        };
        if let Pat::Ident(ident) = pat {
            let ty = ty.or_else(|| {
                let init = &local.init.as_ref()?.expr;
                constructed_type(init)
            });
            if let Some(ty) = ty {
                self.facts.bindings.push(auditlint_core::facts::Binding {
                    name: ident.ident.to_string(),
                    scope: self.enclosing_fn(),
                    source: auditlint_core::facts::BindingSource::Type(ty),
                });
            }
        }
        self.stack.push(Node::Local(local));
        syn::visit::visit_local(self, local);
        self.stack.pop();
    }

    fn visit_arm(&mut self, arm: &'a Arm) {
        self.stack.push(Node::Arm(arm));
        syn::visit::visit_arm(self, arm);
        self.stack.pop();
    }

    fn visit_macro(&mut self, mac: &'a syn::Macro) {
        if mac.path.segments.len() > 1
            && let Some(root) = mac.path.segments.first()
        {
            self.facts.path_roots.push(root.ident.to_string());
        }
        self.macro_reads(&mac.tokens);
        let bodies = self.macro_bodies.of(mac);
        for block in bodies {
            self.visit_block(block);
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        self.stack.push(Node::Expr(expr));
        match expr {
            Expr::Call(_) | Expr::MethodCall(_) => {
                let adapter = matches!(expr, Expr::MethodCall(m) if crate::sinks::is_adapter(crate::names::Name::of(&m.method).as_str()));
                if !adapter && is_chain_top(&self.stack, expr) {
                    self.operation(expr);
                }
            }
            Expr::Macro(m)
                if crate::sinks::is_op_macro(&m.mac) && is_chain_top(&self.stack, expr) =>
            {
                self.operation(expr);
            }
            Expr::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
                let is_callee = matches!(
                    self.stack.iter().rev().nth(1),
                    Some(Node::Expr(Expr::Call(c))) if std::ptr::eq(&*c.func, expr)
                );
                if !is_callee {
                    let name = crate::names::Name::of(&p.path.segments[0].ident);
                    self.name_use(name.as_str());
                }
            }
            _ => {}
        }
        syn::visit::visit_expr(self, expr);
        self.stack.pop();
    }
}
