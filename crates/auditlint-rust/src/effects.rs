//! What a handler's code does with the error: the Rust counterpart of a catch block's effects.

use auditlint_core::facts::Effects;
use syn::visit::Visit;
use syn::{Block, Expr, Stmt};

use crate::walk::Walker;

/// A handler body's effects, and how it passes the error on.
pub(crate) struct BodyFacts {
    pub effects: Effects,
    /// `return Err(..)` or `?`: the error leaves the function.
    pub propagates: bool,
    /// Its value is an `Err(..)`: the error goes on as the enclosing construct's value.
    pub err_tail: bool,
}

pub(crate) fn of_block(walker: &Walker<'_>, block: &Block, error: Option<&str>) -> BodyFacts {
    let mut v = Collector::new(error);
    v.visit_block(block);
    let tail = match block.stmts.last() {
        Some(Stmt::Expr(e, None)) => Some(e),
        _ => None,
    };
    v.finish(
        walker,
        walker.block_span(block),
        block.stmts.is_empty(),
        tail,
        &block.stmts,
    )
}

pub(crate) fn of_expr(walker: &Walker<'_>, expr: &Expr, error: Option<&str>) -> BodyFacts {
    if let Expr::Block(b) = expr {
        return of_block(walker, &b.block, error);
    }
    let mut v = Collector::new(error);
    v.visit_expr(expr);
    let empty = matches!(expr, Expr::Tuple(t) if t.elems.is_empty());
    v.finish(walker, walker.expr_span(expr), empty, Some(expr), &[])
}

struct Collector<'e> {
    error: Option<&'e str>,
    effects: Effects,
    propagates: bool,
    panics: bool,
    closures: usize,
}

impl<'e> Collector<'e> {
    fn new(error: Option<&'e str>) -> Self {
        Self {
            error,
            effects: Effects::default(),
            propagates: false,
            panics: false,
            closures: 0,
        }
    }

    fn finish(
        mut self,
        walker: &Walker<'_>,
        span: auditlint_core::Span,
        empty: bool,
        tail: Option<&Expr>,
        stmts: &[Stmt],
    ) -> BodyFacts {
        let err_tail = tail.is_some_and(is_err_call);
        if let Some(tail) = tail
            && let Some(error) = self.error
            && !matches!(tail, Expr::Macro(_))
            && mentions(tail, error)
        {
            self.effects.returns_error = true;
        }
        self.effects.throws = self.propagates || self.panics || err_tail;
        self.effects.is_empty = empty;
        let text = walker.source(span);
        self.effects.has_comments = text.contains("//") || text.contains("/*");
        self.effects.returns_nothing = match stmts {
            [Stmt::Expr(e, _)] => returns_nothing(e),
            [] => tail.is_some_and(returns_nothing),
            _ => false,
        };
        BodyFacts {
            effects: self.effects,
            propagates: self.propagates,
            err_tail,
        }
    }
}

/// `return`, `return Ok(())`, `return None`, `continue`, `break`, `Ok(())`.
fn returns_nothing(expr: &Expr) -> bool {
    match expr {
        Expr::Return(r) => r.expr.as_deref().is_none_or(is_nothing),
        Expr::Continue(_) | Expr::Break(_) => true,
        other => is_nothing(other),
    }
}

fn is_nothing(expr: &Expr) -> bool {
    match expr {
        Expr::Tuple(t) => t.elems.is_empty(),
        Expr::Path(p) => p.path.is_ident("None"),
        Expr::Call(c) => {
            matches!(&*c.func, Expr::Path(p) if p.path.is_ident("Ok") || p.path.is_ident("Some"))
                && c.args
                    .iter()
                    .all(|a| is_nothing(a) || matches!(a, Expr::Lit(_)))
        }
        Expr::Lit(_) => true,
        _ => false,
    }
}

fn is_err_call(expr: &Expr) -> bool {
    match expr {
        Expr::Call(c) => {
            matches!(&*c.func, Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Err"))
        }
        Expr::Paren(p) => is_err_call(&p.expr),
        _ => false,
    }
}

/// `StatusCode::INTERNAL_SERVER_ERROR`, `http::StatusCode::BAD_GATEWAY`,
/// `HttpResponse::InternalServerError`, `Status::InternalServerError` (Rocket).
fn is_error_status_path(path: &str) -> bool {
    let mut parts = path.rsplit("::");
    let (Some(name), Some(ty)) = (parts.next(), parts.next()) else {
        return false;
    };
    if !matches!(ty, "StatusCode" | "HttpResponse" | "Status") {
        return false;
    }
    let upper = if name.chars().any(|c| c.is_ascii_lowercase()) {
        auditlint_core::vocab::to_snake(name).to_uppercase()
    } else {
        name.to_string()
    };
    let snake = upper.as_str();
    [
        "BAD_REQUEST",
        "UNAUTHORIZED",
        "FORBIDDEN",
        "NOT_FOUND",
        "CONFLICT",
        "GONE",
        "UNPROCESSABLE_ENTITY",
        "TOO_MANY_REQUESTS",
        "INTERNAL_SERVER_ERROR",
        "NOT_IMPLEMENTED",
        "BAD_GATEWAY",
        "SERVICE_UNAVAILABLE",
        "GATEWAY_TIMEOUT",
    ]
    .contains(&snake)
}

fn mentions(expr: &Expr, name: &str) -> bool {
    struct Finder<'n> {
        name: &'n str,
        found: bool,
    }
    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
            if p.path.is_ident(self.name) {
                self.found = true;
            }
        }
    }
    let mut finder = Finder { name, found: false };
    finder.visit_expr(expr);
    finder.found
}

fn macro_name(mac: &syn::Macro) -> String {
    format!("{}!", crate::sinks::path_text(&mac.path))
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        match expr {
            Expr::Call(c) => {
                if let Expr::Path(p) = &*c.func {
                    let path = crate::sinks::path_text(&p.path);
                    // `tokio::spawn(fut)`: a name handed straight to a spawn.
                    if crate::guard::is_spawn(&path)
                        && let Some(Expr::Path(arg)) = c.args.first()
                        && let Some(ident) = arg.path.get_ident()
                    {
                        self.effects.spawns.push(ident.to_string());
                    }
                    self.effects.calls.push(path);
                }
            }
            Expr::MethodCall(m) => {
                let method = crate::names::Name::of(&m.method);
                if matches!(method.as_str(), "unwrap" | "expect") && self.closures == 0 {
                    self.panics = true;
                }
                self.effects
                    .calls
                    .push(crate::sinks::callee(&crate::sinks::chain(expr)));
            }
            Expr::Try(_) if self.closures == 0 => self.propagates = true,
            // `StatusCode::INTERNAL_SERVER_ERROR`, `HttpResponse::InternalServerError()`: an
            // HTTP error response carries the failure to the client.
            Expr::Path(p) if self.effects.error_response.is_none() => {
                // Only `Type::NAME` with one of the types can be one: the path's text is made
                // for those alone (most paths are plain names).
                let segments = &p.path.segments;
                let typed = segments.len() >= 2
                    && matches!(
                        crate::names::Name::of(&segments[segments.len() - 2].ident).as_str(),
                        "StatusCode" | "HttpResponse" | "Status"
                    );
                if typed {
                    let path = crate::sinks::path_text(&p.path);
                    if is_error_status_path(&path) {
                        self.effects.error_response = Some(path);
                    }
                }
            }
            Expr::Return(r) if self.closures == 0 => {
                if let Some(value) = &r.expr {
                    let passes = is_err_call(value)
                        || self.error.is_some_and(
                            |e| matches!(&**value, Expr::Path(p) if p.path.is_ident(e)),
                        );
                    if passes {
                        self.propagates = true;
                    } else if let Some(error) = self.error
                        && mentions(value, error)
                    {
                        self.effects.returns_error = true;
                    }
                }
            }
            Expr::Assign(a) => {
                if matches!(&*a.right, Expr::Lit(l) if matches!(&l.lit, syn::Lit::Bool(b) if !b.value))
                {
                    match &*a.left {
                        Expr::Path(p) => {
                            if let Some(ident) = p.path.get_ident() {
                                self.effects.flag_writes.push(ident.to_string());
                            }
                        }
                        Expr::Field(f) => self
                            .effects
                            .flag_writes
                            .push(crate::sinks::member(&f.member)),
                        _ => {}
                    }
                }
            }
            Expr::Struct(s) => {
                for field in &s.fields {
                    let value_false = matches!(&field.expr, Expr::Lit(l) if matches!(&l.lit, syn::Lit::Bool(b) if !b.value));
                    if value_false {
                        self.effects
                            .flag_writes
                            .push(crate::sinks::member(&field.member));
                    }
                }
            }
            Expr::Closure(_) | Expr::Async(_) => {
                self.closures += 1;
                syn::visit::visit_expr(self, expr);
                self.closures -= 1;
                return;
            }
            _ => {}
        }
        syn::visit::visit_expr(self, expr);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let name = macro_name(mac);
        let last = mac
            .path
            .segments
            .last()
            .map(|s| crate::names::Name::of(&s.ident));
        let last = last.as_ref().map_or("", crate::names::Name::as_str);
        if self.closures == 0
            && matches!(
                last,
                "panic"
                    | "unreachable"
                    | "todo"
                    | "unimplemented"
                    | "assert"
                    | "assert_eq"
                    | "assert_ne"
            )
        {
            self.panics = true;
        }
        if last == "bail" || last == "ensure" {
            // anyhow's `bail!`/`ensure!` return an `Err`.
            self.propagates = true;
        }
        self.effects.calls.push(name);
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {
        // Items nested in a handler are not what it does.
    }
}
