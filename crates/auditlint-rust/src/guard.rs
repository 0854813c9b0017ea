//! What happens to a call's error: the climb from the call up its ancestors, as
//! [`GuardStep`]s for the index to evaluate.
//!
//! Rust errors are values: a call's `Result` is propagated (`?`, returned), taken apart (a
//! `match`, `if let`), converted (`.ok()`, `.unwrap_or(..)`), panicked on (`.unwrap()`), or
//! dropped (`let _ =`, a statement). A spawned task's `Result` goes into its `JoinHandle`:
//! dropping the handle drops the error ([`DropKind::Spawn`]).

use auditlint_core::Span;
use auditlint_core::facts::{
    DropKind, ErrorBinder, GuardStep, Handler, HandlerBody, HandlerKind, HandlerSite, SiteBody,
};
use syn::{Expr, Pat};

use crate::effects::{self, BodyFacts};
use crate::walk::{Node, Walker};

/// A `let` binds the result to this name (at this `let`): its fate continues at the name's
/// first use.
pub(crate) type Binding = Option<(String, Span)>;

fn is_expr(node: Node<'_>, expr: &Expr) -> bool {
    matches!(node, Node::Expr(e) if std::ptr::eq(e, expr))
}

/// `spawn(fut)`, `tokio::spawn`, `std::thread::spawn`, `task::spawn_blocking`.
pub(crate) fn is_spawn(path: &str) -> bool {
    matches!(
        crate::sinks::last_segment(path),
        "spawn" | "spawn_blocking" | "spawn_local"
    )
}

/// `Err(..)` (or `Some(..)`, `Ok(..)`): the variant a pattern matches.
pub(crate) fn variant(pat: &Pat) -> Option<String> {
    let path = match pat {
        Pat::TupleStruct(t) => &t.path,
        Pat::Path(p) => &p.path,
        Pat::Struct(s) => &s.path,
        Pat::Reference(r) => return variant(&r.pat),
        Pat::Guard(g) => return variant(&g.pat),
        _ => return None,
    };
    path.segments.last().map(|s| s.ident.to_string())
}

/// The name an `Err(e)` pattern gives the error.
pub(crate) fn bound_name(pat: &Pat) -> Option<String> {
    match pat {
        Pat::TupleStruct(t) => t.elems.first().and_then(bound_name),
        Pat::Ident(i) => Some(i.ident.to_string()),
        Pat::Reference(r) => bound_name(&r.pat),
        Pat::Type(t) => bound_name(&t.pat),
        Pat::Guard(g) => bound_name(&g.pat),
        _ => None,
    }
}

impl<'a> Walker<'a> {
    /// Climbs from `stack[start]` (a call, or a use of a name its result was bound to).
    pub(crate) fn guard(
        &self,
        start: usize,
        steps: &mut Vec<GuardStep>,
        spawned: &mut bool,
    ) -> Binding {
        let mut cur = start;
        loop {
            if cur == 0 {
                return None;
            }
            let child = self.stack[cur];
            let parent = self.stack[cur - 1];
            match parent {
                Node::Expr(p) => match p {
                    Expr::Paren(_) | Expr::Group(_) | Expr::Reference(_) => cur -= 1,
                    Expr::Await(_) => {
                        steps.push(GuardStep::Await);
                        cur -= 1;
                    }
                    Expr::Try(_) => return self.exit(cur - 1, steps, spawned),
                    Expr::MethodCall(m) if is_expr(child, &m.receiver) => {
                        let method = crate::names::Name::of(&m.method);
                        let method = method.as_str();
                        let span = Span {
                            start: self.span_of(&m.method).start,
                            end: self.expr_span(p).end,
                        };
                        match method {
                            "map" | "map_ok" | "and_then" | "context" | "with_context"
                            | "wrap_err" | "wrap_err_with" | "err_into" | "instrument"
                            | "in_current_span" | "boxed" | "fuse" => cur -= 1,
                            "map_err" | "inspect_err" | "or_else" => {
                                if let Some(body) =
                                    m.args.first().and_then(|a| self.handler_body(a))
                                {
                                    steps.push(GuardStep::observed(Handler {
                                        span,
                                        kind: HandlerKind::ErrValue,
                                        body,
                                        site: None,
                                    }));
                                }
                                cur -= 1;
                            }
                            "join" if *spawned => {
                                steps.push(GuardStep::Await);
                                cur -= 1;
                            }
                            "ok" => {
                                return match self.stack.get(cur.wrapping_sub(2)) {
                                    Some(Node::Stmt(stmt @ syn::Stmt::Expr(_, Some(_)))) => {
                                        let site = self.discarded(stmt, &*m.receiver);
                                        steps.push(with_site(discard(span), site));
                                        None
                                    }
                                    Some(Node::Local(l))
                                        if matches!(l.pat, Pat::Wild(_))
                                            && l.init
                                                .as_ref()
                                                .is_some_and(|i| i.diverge.is_none()) =>
                                    {
                                        let site = self.discarded(l, &*m.receiver);
                                        steps.push(with_site(discard(span), site));
                                        None
                                    }
                                    Some(Node::Local(l)) if matches!(l.pat, Pat::Wild(_)) => {
                                        steps.push(discard(span));
                                        None
                                    }
                                    Some(Node::Expr(Expr::Try(_))) => {
                                        self.exit(cur - 2, steps, spawned)
                                    }
                                    _ => {
                                        steps.push(GuardStep::Stored);
                                        None
                                    }
                                };
                            }
                            "unwrap" | "expect" | "unwrap_unchecked" => {
                                steps.push(GuardStep::Panics);
                                return None;
                            }
                            "unwrap_or" | "unwrap_or_default" => {
                                steps.push(discard(span));
                                return None;
                            }
                            "unwrap_or_else" => {
                                let body = m
                                    .args
                                    .first()
                                    .and_then(|a| self.handler_body(a))
                                    .unwrap_or(HandlerBody::Discard);
                                let site = m.args.first().and_then(|a| self.closure_site(a));
                                steps.push(GuardStep::handler(Handler {
                                    span,
                                    kind: HandlerKind::ErrValue,
                                    body,
                                    site,
                                }));
                                return None;
                            }
                            "is_ok" | "is_err" | "is_ok_and" | "is_err_and" => {
                                return self.tested(
                                    cur - 1,
                                    method.starts_with("is_err"),
                                    steps,
                                    spawned,
                                );
                            }
                            _ => {
                                steps.push(GuardStep::Stored);
                                return None;
                            }
                        }
                    }
                    Expr::Call(c) if !is_expr(child, &c.func) => {
                        let path = match &*c.func {
                            Expr::Path(p) => crate::sinks::path_text(&p.path),
                            _ => String::new(),
                        };
                        if is_spawn(&path) {
                            steps.push(GuardStep::Callback { is_async: true });
                            *spawned = true;
                            cur -= 1;
                        } else if path == "drop" || path == "std::mem::drop" {
                            steps.push(discard(self.expr_span(p)));
                            return None;
                        } else if matches!(
                            crate::sinks::last_segment(&path),
                            "pin" | "timeout" | "block_on"
                        ) {
                            cur -= 1;
                        } else if !path.is_empty() {
                            // Handed to a function: its business, unless the index finds that
                            // the project function spawns it (`run_in_background(fut)`).
                            steps.push(GuardStep::Argument {
                                callee: path,
                                span: self.expr_span(p),
                            });
                            return None;
                        } else {
                            steps.push(GuardStep::Stored);
                            return None;
                        }
                    }
                    Expr::Closure(cl) => {
                        steps.push(GuardStep::Callback {
                            is_async: cl.asyncness.is_some(),
                        });
                        // A closure handed to anything but a spawn: the callee decides.
                        let spawn_next = matches!(
                            self.stack.get(cur.wrapping_sub(2)),
                            Some(Node::Expr(Expr::Call(c))) if matches!(&*c.func, Expr::Path(p) if is_spawn(&crate::sinks::path_text(&p.path)))
                        );
                        if !spawn_next {
                            // Handed to a call: the index decides whether that call returns what
                            // the closure returns (a project helper such as `db_call`).
                            let into = match self.stack.get(cur.wrapping_sub(2)) {
                                Some(Node::Expr(call @ Expr::Call(c))) => match &*c.func {
                                    Expr::Path(p) => Some((
                                        crate::sinks::path_text(&p.path),
                                        self.expr_span(call),
                                    )),
                                    _ => None,
                                },
                                Some(Node::Expr(call @ Expr::MethodCall(_))) => Some((
                                    crate::sinks::callee(&crate::sinks::chain(call)),
                                    self.expr_span(call),
                                )),
                                _ => None,
                            };
                            steps.push(match into {
                                Some((callee, call)) => GuardStep::IntoCall { callee, call },
                                None => GuardStep::PassedOn,
                            });
                            return None;
                        }
                        cur -= 1;
                    }
                    Expr::Let(l) if is_expr(child, &l.expr) => {
                        return self.if_let(cur - 1, &l.pat, steps, spawned);
                    }
                    Expr::Match(m) if is_expr(child, &m.expr) => {
                        return self.match_arms(cur - 1, m, steps, spawned);
                    }
                    Expr::Return(_) => return self.exit(cur - 1, steps, spawned),
                    Expr::Assign(a) if is_expr(child, &a.right) => {
                        if matches!(&*a.left, Expr::Infer(_)) {
                            steps.push(self.dropped(self.expr_span(p), *spawned));
                        } else {
                            steps.push(GuardStep::Stored);
                        }
                        return None;
                    }
                    Expr::If(i) if !is_expr(child, &i.cond) => cur -= 1,
                    Expr::Block(_) | Expr::Unsafe(_) => cur -= 1,
                    _ => {
                        steps.push(GuardStep::Stored);
                        return None;
                    }
                },
                Node::Stmt(stmt) => match stmt {
                    syn::Stmt::Expr(value, Some(semi)) => {
                        let span = Span {
                            start: self.expr_span(value).start,
                            end: self.span(semi.span).end,
                        };
                        steps.push(if *spawned {
                            self.dropped(span, true)
                        } else {
                            GuardStep::handler(Handler {
                                span,
                                kind: HandlerKind::ErrValue,
                                body: HandlerBody::DroppedValue,
                                site: self.discarded(stmt, value),
                            })
                        });
                        return None;
                    }
                    syn::Stmt::Expr(_, None) => cur -= 1,
                    _ => return None,
                },
                Node::Block => {
                    // `child` is the block's tail statement: the block's value goes where its
                    // owner's does.
                    match self.stack.get(cur.wrapping_sub(2)) {
                        Some(Node::Fn(id)) => {
                            steps.push(GuardStep::Exit(Some(*id)));
                            return None;
                        }
                        Some(Node::Expr(Expr::Async(_))) => {
                            steps.push(GuardStep::Callback { is_async: true });
                            cur -= 2;
                        }
                        Some(Node::Expr(
                            Expr::Block(_) | Expr::Unsafe(_) | Expr::If(_) | Expr::Const(_),
                        )) => cur -= 2,
                        // A block parsed out of a macro body (`db_run! { conn: sqlite { .. } }`):
                        // its value is the macro's, which goes where the macro's does. A
                        // brace-delimited macro statement is taken as its block's value.
                        Some(Node::Expr(Expr::Macro(_)))
                        | Some(Node::Stmt(syn::Stmt::Macro(syn::StmtMacro {
                            semi_token: None,
                            ..
                        }))) => cur -= 2,
                        _ => {
                            steps.push(GuardStep::Stored);
                            return None;
                        }
                    }
                }
                Node::Local(l) => {
                    let Some(init) = &l.init else {
                        return None;
                    };
                    if !is_expr(child, &init.expr) {
                        steps.push(GuardStep::Stored);
                        return None;
                    }
                    let span = self.local_span(l);
                    if matches!(l.pat, Pat::Wild(_)) && init.diverge.is_none() {
                        let site = self.discarded(l, &*init.expr);
                        steps.push(with_site(self.dropped(span, *spawned), site));
                        return None;
                    }
                    return self.let_pattern(
                        cur - 1,
                        &l.pat,
                        init.diverge.as_ref().map(|d| &*d.1),
                        span,
                        steps,
                        spawned,
                    );
                }
                Node::Arm(arm) => {
                    if !is_expr(child, &arm.body) {
                        steps.push(GuardStep::Stored);
                        return None;
                    }
                    cur -= 2;
                }
                Node::Fn(id) => {
                    steps.push(GuardStep::Exit(Some(id)));
                    return None;
                }
                Node::Item => {
                    steps.push(GuardStep::Stored);
                    return None;
                }
            }
        }
    }

    /// A dropped `Result` (or `JoinHandle`, once spawned).
    fn dropped(&self, span: Span, spawned: bool) -> GuardStep {
        if spawned {
            GuardStep::Dropped {
                span,
                how: DropKind::Spawn,
            }
        } else {
            discard(span)
        }
    }

    /// The error leaves through `?` or `return`: out of the innermost function, closure or
    /// async block.
    fn exit(&self, from: usize, steps: &mut Vec<GuardStep>, spawned: &mut bool) -> Binding {
        for i in (0..from.min(self.stack.len())).rev() {
            match self.stack[i] {
                // Leaving a closure: climb on from its body, as when the body's value leaves.
                Node::Expr(Expr::Closure(_)) => return self.guard(i + 1, steps, spawned),
                Node::Expr(Expr::Async(_)) => {
                    steps.push(GuardStep::Callback { is_async: true });
                    return self.guard(i, steps, spawned);
                }
                Node::Fn(id) => {
                    steps.push(GuardStep::Exit(Some(id)));
                    return None;
                }
                Node::Item => {
                    steps.push(GuardStep::Stored);
                    return None;
                }
                _ => {}
            }
        }
        steps.push(GuardStep::Stored);
        None
    }

    /// `let PAT = <result>;` (with `else { .. }` for a let-else).
    fn let_pattern(
        &self,
        at: usize,
        pat: &Pat,
        diverge: Option<&Expr>,
        span: Span,
        steps: &mut Vec<GuardStep>,
        spawned: &mut bool,
    ) -> Binding {
        match pat {
            Pat::Wild(_) => {
                steps.push(self.dropped(span, *spawned));
                None
            }
            Pat::Ident(i) if i.subpat.is_none() => Some((i.ident.to_string(), span)),
            Pat::Type(t) => self.let_pattern(at, &t.pat, diverge, span, steps, spawned),
            _ => {
                if variant(pat).as_deref() == Some("Ok")
                    && let Some(otherwise) = diverge
                {
                    let facts = effects::of_expr(self, otherwise, None);
                    return self.handled_by(at, span, facts, steps, spawned);
                }
                steps.push(GuardStep::Stored);
                None
            }
        }
    }

    /// A handler with its own code: the index judges what it does; if it passes the error on
    /// (`return Err(..)`, `?`), the error goes on out of the function.
    fn handled_by(
        &self,
        at: usize,
        span: Span,
        facts: BodyFacts,
        steps: &mut Vec<GuardStep>,
        spawned: &mut bool,
    ) -> Binding {
        self.handled_at(at, span, facts, None, steps, spawned)
    }

    /// [`Self::handled_by`], with where a fix can add code to the handler.
    fn handled_at(
        &self,
        at: usize,
        span: Span,
        facts: BodyFacts,
        site: Option<HandlerSite>,
        steps: &mut Vec<GuardStep>,
        spawned: &mut bool,
    ) -> Binding {
        let propagates = facts.propagates;
        let err_tail = facts.err_tail;
        steps.push(GuardStep::handler(Handler {
            span,
            kind: HandlerKind::ErrValue,
            body: HandlerBody::Inline(facts.effects),
            site,
        }));
        if propagates {
            return self.exit(at, steps, spawned);
        }
        if err_tail {
            // `Err(e) => Err(e.into())`: the error is the construct's value.
            return self.guard(at, steps, spawned);
        }
        None
    }

    /// `if let Err(e) = <result> { .. }` / `if let Ok(v) = <result> { .. } [else { .. }]`.
    fn if_let(
        &self,
        let_at: usize,
        pat: &Pat,
        steps: &mut Vec<GuardStep>,
        spawned: &mut bool,
    ) -> Binding {
        let Some(Node::Expr(Expr::If(if_expr))) = self.stack.get(let_at.wrapping_sub(1)) else {
            steps.push(GuardStep::Stored);
            return None;
        };
        let Node::Expr(let_expr) = self.stack[let_at] else {
            return None;
        };
        let span = self.join(&if_expr.if_token, let_expr);
        let if_at = let_at - 1;
        match variant(pat).as_deref() {
            Some("Err") => {
                let facts =
                    effects::of_block(self, &if_expr.then_branch, bound_name(pat).as_deref());
                let scrutinee = match let_expr {
                    Expr::Let(l) => Some(&*l.expr),
                    _ => None,
                };
                let site = self.err_binder(pat, scrutinee).map(|binder| HandlerSite {
                    binder,
                    body: SiteBody::Block(self.block_span(&if_expr.then_branch)),
                    scope: None,
                    own_this: false,
                });
                self.handled_at(if_at, span, facts, site, steps, spawned)
            }
            Some("Ok") => match &if_expr.else_branch {
                Some((_, otherwise)) => {
                    let facts = effects::of_expr(self, otherwise, None);
                    self.handled_by(if_at, span, facts, steps, spawned)
                }
                None => {
                    steps.push(discard(span));
                    None
                }
            },
            _ => {
                steps.push(GuardStep::Stored);
                None
            }
        }
    }

    /// `if r.is_err() { .. }` / `if r.is_ok() { .. } else { .. }` (and `!r.is_ok()`).
    fn tested(
        &self,
        call_at: usize,
        mut is_err: bool,
        steps: &mut Vec<GuardStep>,
        spawned: &mut bool,
    ) -> Binding {
        let mut at = call_at;
        while let Some(Node::Expr(Expr::Unary(u))) = self.stack.get(at.wrapping_sub(1)) {
            if matches!(u.op, syn::UnOp::Not(_)) {
                is_err = !is_err;
            }
            at -= 1;
        }
        let Some(Node::Expr(Expr::If(if_expr))) = self.stack.get(at.wrapping_sub(1)) else {
            steps.push(GuardStep::Stored);
            return None;
        };
        if !is_expr(self.stack[at], &if_expr.cond) {
            steps.push(GuardStep::Stored);
            return None;
        }
        let span = self.join(&if_expr.if_token, &*if_expr.cond);
        if is_err {
            let facts = effects::of_block(self, &if_expr.then_branch, None);
            return self.handled_by(at - 1, span, facts, steps, spawned);
        }
        match &if_expr.else_branch {
            Some((_, otherwise)) => {
                let facts = effects::of_expr(self, otherwise, None);
                self.handled_by(at - 1, span, facts, steps, spawned)
            }
            None => {
                steps.push(discard(span));
                None
            }
        }
    }

    /// `match <result> { Ok(..) => .., Err(e) => .. }`: the `Err` arms (or the catch-all).
    fn match_arms(
        &self,
        match_at: usize,
        m: &syn::ExprMatch,
        steps: &mut Vec<GuardStep>,
        spawned: &mut bool,
    ) -> Binding {
        let err_arms: Vec<&syn::Arm> = m
            .arms
            .iter()
            .filter(|a| variant(&a.pat).as_deref() == Some("Err"))
            .collect();
        let arms = if err_arms.is_empty() {
            m.arms
                .iter()
                .filter(|a| matches!(a.pat, Pat::Wild(_) | Pat::Ident(_)))
                .take(1)
                .collect()
        } else {
            err_arms
        };
        if arms.is_empty() {
            steps.push(GuardStep::Stored);
            return None;
        }
        let mut binding = None;
        for arm in arms {
            let span = self.join(&arm.pat, &*arm.body);
            let facts = effects::of_expr(self, &arm.body, bound_name(&arm.pat).as_deref());
            let propagates = facts.propagates;
            let err_tail = facts.err_tail;
            let site = self
                .err_binder(&arm.pat, Some(&m.expr))
                .map(|binder| HandlerSite {
                    binder,
                    body: self.site_body(&arm.body),
                    scope: None,
                    own_this: false,
                });
            steps.push(GuardStep::handler(Handler {
                span,
                kind: HandlerKind::ErrValue,
                body: HandlerBody::Inline(facts.effects),
                site,
            }));
            if propagates || err_tail {
                // The first arm that passes the error on decides where it goes next.
                binding = if propagates {
                    self.exit(match_at, steps, spawned)
                } else {
                    self.guard(match_at, steps, spawned)
                };
                break;
            }
        }
        binding
    }

    /// How an `Err(..)` pattern on `scrutinee` names the error: `Err(e)`, or `Err(_)` /
    /// `Err(..)` whose `_` or `..` a name can replace — unless the scrutinee is a place (a
    /// variable, a field), which a new binding would move the error out of. `None` for anything
    /// else (`&Err(_)` would move out of a borrow; `Err(Kind::X)` has nothing to bind).
    fn err_binder(&self, pat: &Pat, scrutinee: Option<&Expr>) -> Option<ErrorBinder> {
        let Pat::TupleStruct(t) = pat else {
            return None;
        };
        if variant(pat).as_deref() != Some("Err") || t.elems.len() != 1 {
            return None;
        }
        let named = match t.elems.first()? {
            Pat::Ident(i) if i.subpat.is_none() => {
                return Some(ErrorBinder::Named(i.ident.to_string()));
            }
            Pat::Wild(w) => self.span_of(w),
            Pat::Rest(r) => self.span_of(r),
            _ => return None,
        };
        (!scrutinee.is_some_and(is_place)).then(|| self.unnamed(named))
    }

    fn unnamed(&self, span: Span) -> ErrorBinder {
        ErrorBinder::Unnamed {
            span,
            before: String::new(),
            after: String::new(),
        }
    }

    /// A handler's body: a plain block, or an expression that becomes one.
    fn site_body(&self, body: &Expr) -> SiteBody {
        match body {
            Expr::Block(b) if b.label.is_none() && b.attrs.is_empty() => {
                SiteBody::Block(self.block_span(&b.block))
            }
            _ => SiteBody::Expression(self.expr_span(body)),
        }
    }

    /// `let _ = VALUE;`, `VALUE.ok();`, `VALUE;`: rewritable as `if let Err(e) = VALUE { … }`.
    pub(crate) fn discarded(
        &self,
        statement: &impl syn::spanned::Spanned,
        value: &impl syn::spanned::Spanned,
    ) -> Option<HandlerSite> {
        let statement = self.span_of(statement);
        let value = self.span_of(value);
        (statement.contains(value) && statement != value).then_some(HandlerSite {
            binder: ErrorBinder::Rewrite,
            body: SiteBody::Discarded { statement, value },
            scope: None,
            own_this: false,
        })
    }

    /// `.unwrap_or_else(|_| default)`: the closure's parameter and body.
    fn closure_site(&self, arg: &Expr) -> Option<HandlerSite> {
        let Expr::Closure(closure) = arg else {
            return None;
        };
        if closure.inputs.len() != 1 {
            return None;
        }
        let binder = match closure.inputs.first()? {
            Pat::Ident(i) if i.subpat.is_none() && i.by_ref.is_none() => {
                ErrorBinder::Named(i.ident.to_string())
            }
            Pat::Wild(w) => self.unnamed(self.span_of(w)),
            _ => return None,
        };
        Some(HandlerSite {
            binder,
            body: self.site_body(&closure.body),
            scope: None,
            own_this: false,
        })
    }

    /// A handler given as an argument: a closure's code, or a function by path.
    fn handler_body(&self, arg: &Expr) -> Option<HandlerBody> {
        match arg {
            Expr::Closure(cl) => {
                let param = cl.inputs.first().and_then(bound_name);
                let facts = effects::of_expr(self, &cl.body, param.as_deref());
                Some(HandlerBody::Inline(facts.effects))
            }
            Expr::Path(p) => Some(HandlerBody::Reference(crate::sinks::path_text(&p.path))),
            _ => None,
        }
    }
}

fn discard(span: Span) -> GuardStep {
    GuardStep::handler(Handler {
        span,
        kind: HandlerKind::ErrValue,
        body: HandlerBody::Discard,
        site: None,
    })
}

/// A place expression (`result`, `self.last`, `results[0]`, `*r`): matching `Err(e)` on it
/// moves the error out, where `Err(_)` did not.
fn is_place(expr: &Expr) -> bool {
    match expr {
        Expr::Path(_) | Expr::Field(_) | Expr::Index(_) => true,
        Expr::Paren(p) => is_place(&p.expr),
        Expr::Group(g) => is_place(&g.expr),
        Expr::Unary(u) => matches!(u.op, syn::UnOp::Deref(_)),
        _ => false,
    }
}

/// `step` with where a fix can add code, when it is a handler.
fn with_site(mut step: GuardStep, site: Option<HandlerSite>) -> GuardStep {
    if let GuardStep::Handler(handler) = &mut step {
        handler.site = site;
    }
    step
}
