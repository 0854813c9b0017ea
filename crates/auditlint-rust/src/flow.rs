//! Where a call's value goes: for audit flags (`TierOutcome { audit_logged, .. }`) and for
//! value-style results (an HTTP response whose status must be read).
//!
//! Within one function body, every use of a plain name is classified once ([`NameInfo`]); a
//! call's result that ends in a binding takes the union of its names' uses, following the
//! names they flow into (`for o in outcomes`, `results.iter().filter(|r| ..)`, `v.push(r)`).

use std::collections::{HashMap, HashSet};

use auditlint_core::Span;
use auditlint_core::facts::ResultUse;
use syn::{Expr, Pat};

use crate::walk::{Node, Walker};

/// Where one use of a value ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UseEnd {
    /// A field (or method) is read on it.
    Field(String),
    /// Bound to names, with fields a struct pattern reads.
    Bind {
        names: Vec<String>,
        fields: Vec<String>,
    },
    Dropped,
    Escapes {
        returned: bool,
    },
    Tested,
    /// Counted or otherwise used without looking inside.
    Ignored,
    /// Several at once (a closure's parameter and what the adapter returns).
    Many(Vec<UseEnd>),
}

/// Every use of one name in a function body.
#[derive(Debug, Default, Clone)]
pub(crate) struct NameInfo {
    pub fields: Vec<String>,
    pub escapes: bool,
    pub returned: bool,
    pub tested: bool,
    pub flows: Vec<String>,
}

impl NameInfo {
    pub fn add(&mut self, end: &UseEnd) {
        match end {
            UseEnd::Field(f) => self.fields.push(f.clone()),
            UseEnd::Bind { names, fields } => {
                self.flows.extend(names.iter().cloned());
                self.fields.extend(fields.iter().cloned());
            }
            UseEnd::Escapes { returned } => {
                self.escapes = true;
                self.returned |= returned;
            }
            UseEnd::Tested => self.tested = true,
            UseEnd::Dropped | UseEnd::Ignored => {}
            UseEnd::Many(ends) => ends.iter().for_each(|e| self.add(e)),
        }
    }
}

/// A call's [`ResultUse`] from where its value ends and its function's names.
pub(crate) fn result_of(end: &UseEnd, names: &HashMap<String, NameInfo>) -> ResultUse {
    let mut info = NameInfo::default();
    info.add(end);
    let mut result = ResultUse {
        dropped: matches!(end, UseEnd::Dropped),
        ..ResultUse::default()
    };
    let mut seen: HashSet<String> = HashSet::new();
    let mut queue: Vec<String> = info.flows.clone();
    while let Some(name) = queue.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(more) = names.get(&name) {
            info.fields.extend(more.fields.iter().cloned());
            info.escapes |= more.escapes;
            info.returned |= more.returned;
            info.tested |= more.tested;
            queue.extend(more.flows.iter().cloned());
        }
    }
    info.fields.sort();
    info.fields.dedup();
    result.fields = info.fields;
    result.escapes = info.escapes;
    result.returned = info.returned;
    result.tested = info.tested;
    result
}

fn is_expr(node: Node<'_>, expr: &Expr) -> bool {
    matches!(node, Node::Expr(e) if std::ptr::eq(e, expr))
}

/// Names a pattern binds, and fields a struct pattern reads.
pub(crate) fn pattern(pat: &Pat) -> UseEnd {
    let mut names = Vec::new();
    let mut fields = Vec::new();
    let mut stack = vec![pat];
    while let Some(p) = stack.pop() {
        match p {
            Pat::Ident(i) => {
                names.push(i.ident.to_string());
                if let Some((_, sub)) = &i.subpat {
                    stack.push(sub);
                }
            }
            Pat::Struct(s) => {
                fields.extend(s.fields.iter().map(|f| crate::sinks::member(&f.member)))
            }
            Pat::TupleStruct(t) => stack.extend(t.elems.iter()),
            Pat::Tuple(t) => stack.extend(t.elems.iter()),
            Pat::Slice(s) => stack.extend(s.elems.iter()),
            Pat::Reference(r) => stack.push(&r.pat),
            Pat::Type(t) => stack.push(&t.pat),
            Pat::Or(o) => stack.extend(o.cases.iter()),
            Pat::Paren(p) => stack.push(&p.pat),
            Pat::Guard(g) => stack.push(&g.pat),
            _ => {}
        }
    }
    if names.is_empty() && fields.is_empty() && matches!(pat, Pat::Wild(_)) {
        return UseEnd::Dropped;
    }
    UseEnd::Bind { names, fields }
}

/// Adapters whose output is still the value (or a collection of it).
fn keeps_value(method: &str) -> bool {
    matches!(
        method,
        "unwrap"
            | "expect"
            | "ok"
            | "unwrap_or"
            | "unwrap_or_default"
            | "unwrap_or_else"
            | "map_err"
            | "context"
            | "with_context"
            | "clone"
            | "as_ref"
            | "as_mut"
            | "iter"
            | "into_iter"
            | "iter_mut"
            | "into"
            | "to_owned"
            | "to_vec"
            | "collect"
            | "rev"
            | "take"
            | "skip"
            | "cloned"
            | "copied"
            | "chain"
            | "flatten"
            | "filter"
            | "peekable"
            | "drain"
            | "inspect"
            | "instrument"
            | "boxed"
            | "find"
            | "last"
            | "first"
            | "next"
            | "get"
            | "values"
            | "into_values"
            | "partition"
            | "sorted"
            | "take_while"
            | "skip_while"
            | "max_by_key"
            | "min_by_key"
            | "max_by"
            | "min_by"
            | "step_by"
            | "enumerate"
            | "zip"
            | "await"
            | "expect_err"
            | "buffer_unordered"
            | "buffered"
    )
}

/// Adapters whose closures receive the value, and whose output is something else.
fn consumes(method: &str) -> bool {
    matches!(
        method,
        "map"
            | "filter_map"
            | "flat_map"
            | "for_each"
            | "any"
            | "all"
            | "fold"
            | "try_fold"
            | "try_for_each"
            | "position"
            | "map_ok"
            | "and_then"
            | "then"
            | "sum"
            | "product"
            | "retain"
            | "sort_by_key"
            | "group_by"
            | "count"
            | "len"
            | "is_empty"
    )
}

/// Closure parameters of a method's arguments: `fold`'s element is its last parameter.
fn closure_params(m: &syn::ExprMethodCall) -> Vec<UseEnd> {
    let mut out = Vec::new();
    for arg in &m.args {
        if let Expr::Closure(cl) = arg {
            let param = if m.method == "fold" || m.method == "try_fold" {
                cl.inputs.last()
            } else {
                cl.inputs.first()
            };
            if let Some(p) = param {
                out.push(pattern(p));
            }
        }
    }
    out
}

impl<'a> Walker<'a> {
    /// Climbs from `stack[start]` (a call or a name) to where its value ends; the span of an
    /// aggregate holding it (`join_all(..)`, `.map(..)`), if any.
    pub(crate) fn value_use(&self, start: usize) -> (UseEnd, Option<Span>) {
        let mut cur = start;
        let mut aggregate: Option<Span> = None;
        let mut also: Vec<UseEnd> = Vec::new();
        let end = loop {
            if cur == 0 {
                break UseEnd::Ignored;
            }
            let child = self.stack[cur];
            let parent = self.stack[cur - 1];
            match parent {
                Node::Expr(p) => match p {
                    Expr::Paren(_)
                    | Expr::Group(_)
                    | Expr::Reference(_)
                    | Expr::Await(_)
                    | Expr::Try(_)
                    | Expr::Index(_) => cur -= 1,
                    Expr::Unary(u) => {
                        if matches!(u.op, syn::UnOp::Not(_)) {
                            break UseEnd::Tested;
                        }
                        cur -= 1;
                    }
                    Expr::MethodCall(m) if is_expr(child, &m.receiver) => {
                        let name = crate::names::Name::of(&m.method);
                        let method = name.as_str();
                        if keeps_value(method) {
                            also.extend(closure_params(m));
                            cur -= 1;
                        } else if consumes(method) {
                            also.extend(closure_params(m));
                            break UseEnd::Ignored;
                        } else if matches!(method, "is_ok" | "is_err" | "is_some" | "is_none") {
                            break UseEnd::Tested;
                        } else {
                            break UseEnd::Field(method.to_string());
                        }
                    }
                    Expr::MethodCall(m) => {
                        let method = crate::names::Name::of(&m.method);
                        if matches!(method.as_str(), "push" | "extend" | "push_back" | "insert")
                            && let Expr::Path(r) = &*m.receiver
                            && let Some(v) = r.path.get_ident()
                        {
                            break UseEnd::Bind {
                                names: vec![v.to_string()],
                                fields: Vec::new(),
                            };
                        }
                        break UseEnd::Escapes { returned: false };
                    }
                    Expr::Call(c) if !is_expr(child, &c.func) => {
                        let path = match &*c.func {
                            Expr::Path(p) => crate::sinks::path_text(&p.path),
                            _ => String::new(),
                        };
                        match crate::sinks::last_segment(&path) {
                            "join_all" | "try_join_all" | "join" | "try_join" | "select_all" => {
                                aggregate = Some(self.expr_span(p));
                                cur -= 1;
                            }
                            "pin" | "timeout" => cur -= 1,
                            "drop" => break UseEnd::Dropped,
                            _ => break UseEnd::Escapes { returned: false },
                        }
                    }
                    Expr::Closure(_) => {
                        // A closure's value: the elements of what `.map(..)` builds.
                        match self.stack.get(cur.wrapping_sub(2)) {
                            Some(Node::Expr(Expr::MethodCall(m)))
                                if matches!(
                                    crate::names::Name::of(&m.method).as_str(),
                                    "map" | "filter_map" | "flat_map" | "then" | "and_then"
                                ) =>
                            {
                                aggregate = Some(self.span_of(m));
                                cur -= 2;
                            }
                            _ => break UseEnd::Escapes { returned: false },
                        }
                    }
                    Expr::Field(f) if is_expr(child, &f.base) => {
                        break UseEnd::Field(crate::sinks::member(&f.member));
                    }
                    Expr::Let(l) if is_expr(child, &l.expr) => break pattern(&l.pat),
                    Expr::Match(m) if is_expr(child, &m.expr) => {
                        let ends: Vec<UseEnd> = m.arms.iter().map(|a| pattern(&a.pat)).collect();
                        break UseEnd::Many(ends);
                    }
                    Expr::ForLoop(f) if is_expr(child, &f.expr) => break pattern(&f.pat),
                    Expr::Return(_) => break UseEnd::Escapes { returned: true },
                    Expr::Assign(a) if is_expr(child, &a.right) => match &*a.left {
                        Expr::Path(p) if p.path.get_ident().is_some() => {
                            break UseEnd::Bind {
                                names: vec![p.path.segments[0].ident.to_string()],
                                fields: Vec::new(),
                            };
                        }
                        Expr::Infer(_) => break UseEnd::Dropped,
                        _ => break UseEnd::Escapes { returned: false },
                    },
                    Expr::Binary(_) => break UseEnd::Tested,
                    Expr::If(i) if is_expr(child, &i.cond) => break UseEnd::Tested,
                    Expr::If(_) | Expr::Block(_) | Expr::Unsafe(_) => cur -= 1,
                    _ => break UseEnd::Escapes { returned: false },
                },
                Node::Stmt(syn::Stmt::Expr(_, Some(_))) => break UseEnd::Dropped,
                Node::Stmt(syn::Stmt::Expr(_, None)) => cur -= 1,
                Node::Stmt(_) => break UseEnd::Ignored,
                Node::Block => match self.stack.get(cur.wrapping_sub(2)) {
                    Some(Node::Fn(_)) => break UseEnd::Escapes { returned: true },
                    Some(Node::Expr(
                        Expr::Async(_) | Expr::Block(_) | Expr::Unsafe(_) | Expr::If(_),
                    )) => cur -= 2,
                    _ => break UseEnd::Ignored,
                },
                Node::Local(l) => match &l.init {
                    Some(init) if is_expr(child, &init.expr) => break pattern(&l.pat),
                    _ => break UseEnd::Ignored,
                },
                Node::Arm(arm) => {
                    if is_expr(child, &arm.body) {
                        cur -= 2;
                    } else {
                        break UseEnd::Ignored;
                    }
                }
                Node::Fn(_) => break UseEnd::Escapes { returned: true },
                Node::Item => break UseEnd::Escapes { returned: false },
            }
        };
        if also.is_empty() {
            (end, aggregate)
        } else {
            also.push(end);
            (UseEnd::Many(also), aggregate)
        }
    }
}
