//! Call chains: their dotted callee path and the sink their syntax names.

use std::collections::HashMap;

use auditlint_core::facts::SinkSyntax;
use auditlint_core::sql::insert_table;
use proc_macro2::{TokenStream, TokenTree};
use syn::{Expr, Lit};

/// Methods that take a `Result` (or a future of one) apart rather than continue the chain:
/// they are where its error is handled, converted or passed on.
pub fn is_adapter(method: &str) -> bool {
    matches!(
        method,
        "ok" | "err"
            | "unwrap"
            | "expect"
            | "unwrap_or"
            | "unwrap_or_default"
            | "unwrap_or_else"
            | "unwrap_err"
            | "expect_err"
            | "unwrap_unchecked"
            | "map_err"
            | "inspect_err"
            | "or_else"
            | "map"
            | "map_ok"
            | "and_then"
            | "is_ok"
            | "is_err"
            | "is_ok_and"
            | "is_err_and"
            | "map_or"
            | "map_or_else"
            | "context"
            | "with_context"
            | "wrap_err"
            | "wrap_err_with"
            | "err_into"
            | "instrument"
            | "in_current_span"
            | "boxed"
            | "fuse"
    )
}

/// Macros that start a call chain we follow: SQL query macros and `write!`/`writeln!`.
pub fn is_op_macro(mac: &syn::Macro) -> bool {
    let Some(last) = mac.path.segments.last() else {
        return false;
    };
    let name = crate::names::Name::of(&last.ident);
    is_query_macro(name.as_str()) || is_write_macro(name.as_str())
}

fn is_query_macro(name: &str) -> bool {
    name.starts_with("query")
}

fn is_write_macro(name: &str) -> bool {
    name == "write" || name == "writeln"
}

/// One link of a call chain, outermost last.
pub enum Link<'a> {
    /// The chain's start: a path (`sqlx::query`, `self`, `pool`).
    Path(String),
    /// A macro invocation at the start (`sqlx::query!(..)`, `writeln!(audit, ..)`).
    Macro(&'a syn::Macro),
    /// A struct literal at the start (`audit_log::ActiveModel { .. }`).
    Struct(&'a syn::ExprStruct),
    /// Anything else at the start.
    Opaque,
    Call(&'a syn::ExprCall),
    Method(&'a syn::ExprMethodCall),
    Field(String),
}

/// Longer chains are cut (their start becomes opaque): a callee path that long names nothing,
/// and handlers ask for the chain of every call inside them.
const MAX_CHAIN: usize = 32;

/// The links of the chain ending at `expr`, innermost first. Stops at anything that is not a
/// link (an `.await`, a `?`, an adapter), which starts a chain of its own.
pub fn chain(expr: &Expr) -> Vec<Link<'_>> {
    let mut links = Vec::new();
    let mut cur = expr;
    loop {
        if links.len() >= MAX_CHAIN {
            links.push(Link::Opaque);
            break;
        }
        match cur {
            Expr::MethodCall(m)
                if links.is_empty() || !is_adapter(crate::names::Name::of(&m.method).as_str()) =>
            {
                links.push(Link::Method(m));
                cur = &m.receiver;
            }
            Expr::Call(c) => {
                links.push(Link::Call(c));
                match &*c.func {
                    Expr::Path(p) => {
                        links.push(Link::Path(path_text(&p.path)));
                        break;
                    }
                    other => cur = other,
                }
            }
            Expr::Field(f) => {
                links.push(Link::Field(member(&f.member)));
                cur = &f.base;
            }
            Expr::Paren(p) => cur = &p.expr,
            Expr::Reference(r) => cur = &r.expr,
            Expr::Path(p) => {
                links.push(Link::Path(path_text(&p.path)));
                break;
            }
            Expr::Macro(m) => {
                links.push(Link::Macro(&m.mac));
                break;
            }
            Expr::Struct(s) => {
                links.push(Link::Struct(s));
                break;
            }
            _ => {
                links.push(Link::Opaque);
                break;
            }
        }
    }
    links.reverse();
    links
}

pub fn member(member: &syn::Member) -> String {
    match member {
        syn::Member::Named(ident) => ident.to_string(),
        syn::Member::Unnamed(index) => index.index.to_string(),
    }
}

/// `sqlx::query`, without generic arguments or a leading `::`.
pub fn path_text(path: &syn::Path) -> String {
    let mut out = String::new();
    for (i, segment) in path.segments.iter().enumerate() {
        if i > 0 {
            out.push_str("::");
        }
        crate::names::push_display(&mut out, &segment.ident);
    }
    out
}

/// The dotted callee path: `sqlx::query!().execute`, `self.audit.record`, `AuditLog::create`;
/// inner calls are marked `()`. A `write!`/`writeln!` names its receiver:
/// `audit_file.writeln!`.
pub fn callee(links: &[Link<'_>]) -> String {
    let mut out = String::new();
    let mut pending_call = false;
    for link in links {
        match link {
            Link::Path(p) => out.push_str(p),
            Link::Macro(m) => {
                let name = path_text(&m.path);
                let last = m
                    .path
                    .segments
                    .last()
                    .map(|s| crate::names::Name::of(&s.ident));
                if is_write_macro(last.as_ref().map_or("", crate::names::Name::as_str)) {
                    // `audit_file.write!`: a write into the receiver, for the vocabulary.
                    out.push_str(&macro_receiver(&m.tokens));
                    out.push_str(".write!");
                } else {
                    out.push_str(&name);
                    out.push('!');
                }
                pending_call = true;
            }
            Link::Struct(s) => {
                out.push_str(&path_text(&s.path));
                out.push_str("{}");
            }
            Link::Opaque => out.push_str("()"),
            Link::Call(_) => pending_call = true,
            Link::Method(m) => {
                if pending_call {
                    out.push_str("()");
                }
                out.push('.');
                let method = crate::names::Name::of(&m.method);
                let method = method.as_str();
                // `self.audit_sink.write()` on an `RwLock`/`Mutex` takes a lock, it writes
                // nothing: named so that no vocabulary mistakes it for a write.
                match method {
                    "write" | "read" | "try_write" | "try_read" if m.args.is_empty() => {
                        out.push_str("lock_");
                        out.push_str(method.trim_start_matches("try_"));
                    }
                    _ => out.push_str(method),
                }
                pending_call = true;
            }
            Link::Field(f) => {
                if pending_call {
                    out.push_str("()");
                }
                out.push('.');
                out.push_str(f);
                pending_call = false;
            }
        }
    }
    out
}

/// `writeln!(self.audit_log, ..)` → `self.audit_log`: the tokens before the first comma.
fn macro_receiver(tokens: &TokenStream) -> String {
    let mut out = String::new();
    for token in tokens.clone() {
        match token {
            TokenTree::Punct(p) if p.as_char() == ',' => break,
            TokenTree::Punct(p) if p.as_char() == '.' => out.push('.'),
            TokenTree::Ident(i) if i != "mut" => {
                crate::names::push_display(&mut out, &i);
            }
            _ => {}
        }
    }
    out
}

/// The sink a chain's syntax names.
pub fn sink(links: &[Link<'_>], consts: &HashMap<String, String>) -> Option<SinkSyntax> {
    // SQL text: a string literal (or a `const` holding one) passed anywhere in the chain, or
    // inside a query macro's tokens.
    for link in links {
        let table = match link {
            Link::Macro(m) => {
                let last = m
                    .path
                    .segments
                    .last()
                    .map(|s| crate::names::Name::of(&s.ident));
                if is_query_macro(last.as_ref().map_or("", crate::names::Name::as_str)) {
                    token_strings(&m.tokens, consts)
                        .iter()
                        .find_map(|s| insert_table(s))
                } else {
                    None
                }
            }
            Link::Call(c) => c.args.iter().find_map(|a| sql_of(a, consts)),
            Link::Method(m) => m.args.iter().find_map(|a| sql_of(a, consts)),
            _ => None,
        };
        if let Some(table) = table {
            return Some(SinkSyntax::SqlInsert { table });
        }
    }
    // diesel: `insert_into(audit_logs::table)`.
    for (i, link) in links.iter().enumerate() {
        if let Link::Call(c) = link
            && let Some(Link::Path(p)) = i.checked_sub(1).and_then(|j| links.get(j))
            && matches!(
                last_segment(p),
                "insert_into" | "replace_into" | "insert_or_ignore_into"
            )
            && let Some(Expr::Path(arg)) = c.args.first()
        {
            let segments: Vec<String> = arg
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            let table = match segments.as_slice() {
                [.., table, last] if last == "table" => table.clone(),
                [.., table] => table.clone(),
                [] => continue,
            };
            return Some(SinkSyntax::BuilderInsert {
                table,
                api: "diesel",
            });
        }
    }
    // sea-orm: `audit_log::ActiveModel { .. }.insert(db)`, `audit_log::Entity::insert(am)`.
    let inserts = links.iter().any(|l| match l {
        Link::Method(m) => matches!(
            crate::names::Name::of(&m.method).as_str(),
            "insert" | "save" | "insert_many"
        ),
        Link::Path(p) => matches!(last_segment(p), "insert" | "insert_many"),
        _ => false,
    });
    if inserts {
        let path = links.iter().find_map(|l| match l {
            Link::Path(p) => Some(p.clone()),
            Link::Struct(s) => Some(path_text(&s.path)),
            _ => None,
        })?;
        let segments: Vec<&str> = path.split("::").collect();
        if let Some(at) = segments
            .iter()
            .position(|s| matches!(*s, "Entity" | "ActiveModel" | "Model"))
            && at > 0
        {
            return Some(SinkSyntax::BuilderInsert {
                table: segments[at - 1].to_string(),
                api: "sea-orm",
            });
        }
    }
    // reqwest: `client.post("https://audit…")…send()`, `reqwest::get(url)`.
    let sends = links
        .iter()
        .any(|l| matches!(l, Link::Method(m) if m.method == "send"))
        || links
            .iter()
            .any(|l| matches!(l, Link::Path(p) if p == "reqwest::get"));
    if sends {
        for (i, link) in links.iter().enumerate() {
            let url = match link {
                Link::Method(m)
                    if matches!(
                        crate::names::Name::of(&m.method).as_str(),
                        "post" | "put" | "patch" | "get" | "delete" | "request"
                    ) =>
                {
                    m.args.iter().find_map(|a| string_of(a, consts))
                }
                Link::Call(c) if matches!(links.get(i.wrapping_sub(1)), Some(Link::Path(p)) if p == "reqwest::get") => {
                    c.args.first().and_then(|a| string_of(a, consts))
                }
                _ => None,
            };
            if let Some(url) = url.filter(|u| u.contains("://") || u.starts_with('/')) {
                return Some(SinkSyntax::HttpRequest { url });
            }
        }
    }
    None
}

/// What follows the last `::` (`path.rsplit("::").next()`, without a substring searcher).
pub fn last_segment(path: &str) -> &str {
    let bytes = path.as_bytes();
    (1..bytes.len())
        .rev()
        .find(|&j| bytes[j] == b':' && bytes[j - 1] == b':')
        .map_or(path, |j| &path[j + 1..])
}

fn sql_of(arg: &Expr, consts: &HashMap<String, String>) -> Option<String> {
    insert_table(&string_of(arg, consts)?)
}

/// The text of a string argument: a literal, a `const`, `&"…"`, or the literals of a
/// `format!`/`concat!`/`indoc!`.
fn string_of(arg: &Expr, consts: &HashMap<String, String>) -> Option<String> {
    match arg {
        Expr::Lit(lit) => match &lit.lit {
            Lit::Str(s) => Some(s.value()),
            _ => None,
        },
        Expr::Reference(r) => string_of(&r.expr, consts),
        Expr::Paren(p) => string_of(&p.expr, consts),
        // Most files have no string constants: no path text to look up then.
        Expr::Path(_) if consts.is_empty() => None,
        Expr::Path(p) => {
            let text = path_text(&p.path);
            consts
                .get(&text)
                .cloned()
                .or_else(|| consts.get(last_segment(&text)).cloned())
        }
        Expr::Macro(m) => {
            let strings = token_strings(&m.mac.tokens, consts);
            (!strings.is_empty()).then(|| strings.join(" "))
        }
        _ => None,
    }
}

/// String literals among a macro's top-level tokens, and constants named there.
fn token_strings(tokens: &TokenStream, consts: &HashMap<String, String>) -> Vec<String> {
    let mut out = Vec::new();
    for token in tokens.clone() {
        match token {
            TokenTree::Literal(literal) => {
                if let Lit::Str(s) = Lit::new(literal) {
                    out.push(s.value());
                }
            }
            TokenTree::Ident(ident) => {
                if let Some(text) = consts.get(&ident.to_string()) {
                    out.push(text.clone());
                }
            }
            TokenTree::Group(group) => {
                // `query!(r#"…"#)` is flat; `query_as!(Row, "…")` too; one level covers
                // `&format!(..)` wrappers.
                for inner in group.stream() {
                    if let TokenTree::Literal(literal) = inner
                        && let Lit::Str(s) = Lit::new(literal)
                    {
                        out.push(s.value());
                    }
                }
            }
            TokenTree::Punct(_) => {}
        }
    }
    out
}

/// The text a `const`/`static` initialiser holds (a literal, `concat!`..), if any.
pub(crate) fn const_text(expr: &Expr) -> Option<String> {
    string_of(expr, &HashMap::new())
}

/// `const NAME: &str = "…";` anywhere in the file (items and function bodies), by a walk of
/// its own: what [`crate::macros::MacroBodies::parse`] collects on its walk, kept to prove it.
#[cfg(test)]
pub fn collect_consts(file: &syn::File, out: &mut HashMap<String, String>) {
    struct Consts<'o>(&'o mut HashMap<String, String>);
    impl<'ast> syn::visit::Visit<'ast> for Consts<'_> {
        fn visit_item_const(&mut self, item: &'ast syn::ItemConst) {
            if let Some(text) = string_of(&item.expr, &HashMap::new()) {
                self.0.insert(item.ident.to_string(), text);
            }
        }
        fn visit_item_static(&mut self, item: &'ast syn::ItemStatic) {
            if let Some(text) = string_of(&item.expr, &HashMap::new()) {
                self.0.insert(item.ident.to_string(), text);
            }
        }
        // Expressions cannot hold the items we want, except blocks (visited by default).
    }
    syn::visit::Visit::visit_file(&mut Consts(out), file);
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_last_segment_is_what_follows_the_last_double_colon() {
        for path in [
            "",
            "a",
            "a::b",
            "::a",
            "a::",
            "a:::b",
            "a:b",
            "a::::b",
            "::",
            ":",
            "std::mem::drop",
            "é::ü",
            "a::b:c",
        ] {
            assert_eq!(
                super::last_segment(path),
                path.rsplit("::").next().unwrap_or(path),
                "{path}"
            );
        }
    }
}
