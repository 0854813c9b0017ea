use super::*;

#[test]
fn a_let_underscore_on_an_audit_insert_is_one_discarding_handler() {
    let facts = extract(
        "async fn f(pool: &PgPool) {\n    let _ = sqlx::query!(\"INSERT INTO audit_log (a) VALUES ($1)\", 1).execute(pool).await;\n}\n",
    )
    .expect("parses");
    let op = facts
        .ops
        .iter()
        .find(|o| o.sink.is_some())
        .expect("an audit op");
    assert_eq!(op.callee, "sqlx::query!().execute");
    assert!(
        matches!(
            op.guard.as_slice(),
            [auditlint_core::facts::GuardStep::Await, auditlint_core::facts::GuardStep::Handler(h)]
                if matches!(h.body, auditlint_core::facts::HandlerBody::Discard)
        ),
        "{:?}",
        op.guard
    );
}

/// The fix site of every handler on the audit operations' error paths: the text of the binder
/// (or of what a name replaces) and of the body.
fn sites(source: &str) -> Vec<Option<(String, String)>> {
    use auditlint_core::facts::{ErrorBinder, GuardStep, SiteBody};
    let facts = extract(source).expect("parses");
    facts
        .ops
        .iter()
        .filter(|o| o.sink.is_some())
        .flat_map(|o| &o.guard)
        .filter_map(|step| match step {
            GuardStep::Handler(h) => Some(h.site.as_ref().map(|site| {
                let binder = match &site.binder {
                    ErrorBinder::Named(name) => format!("named {name}"),
                    ErrorBinder::Unnamed { span, .. } => {
                        format!("replace `{}`", &source[span.range()])
                    }
                    ErrorBinder::Rewrite => "rewrite".to_string(),
                };
                let body = match &site.body {
                    SiteBody::Block(span) => format!("block {}", &source[span.range()]),
                    SiteBody::Expression(span) => format!("expression {}", &source[span.range()]),
                    SiteBody::Discarded { statement, value } => format!(
                        "discard `{}` of `{}`",
                        &source[value.range()],
                        &source[statement.range()]
                    ),
                };
                (binder, body)
            })),
            _ => None,
        })
        .collect()
}

#[test]
fn handlers_record_where_a_fix_can_log() {
    let one = |body: &str| {
        let source = format!("fn f(c: &Conn) -> usize {{\n    {body}\n    0\n}}\n");
        sites(&source)
            .into_iter()
            .map(|s| s.map(|(a, b)| format!("{a} | {b}")))
            .collect::<Vec<_>>()
    };
    let write = "c.execute(\"INSERT INTO audit_log (a) VALUES (1)\")";
    assert_eq!(
        one(&format!("let _ = {write};")),
        [Some(format!(
            "rewrite | discard `{write}` of `let _ = {write};`"
        ))]
    );
    assert_eq!(
        one(&format!("{write}.ok();")),
        [Some(format!(
            "rewrite | discard `{write}` of `{write}.ok();`"
        ))]
    );
    assert_eq!(
        one(&format!("if let Err(_) = {write} {{}}")),
        [Some("replace `_` | block {}".to_string())]
    );
    assert_eq!(
        one(&format!("match {write} {{ Ok(_) => {{}} Err(e) => () }}")),
        [Some("named e | expression ()".to_string())]
    );
    assert_eq!(
        one(&format!("let n = {write}.unwrap_or_else(|_| 0);")),
        [Some("replace `_` | expression 0".to_string())]
    );
    // A variable already named its error; binding one where it did not would move it out.
    assert_eq!(
        one(&format!("let r = {write};\n    if let Err(e) = r {{}}")),
        [Some("named e | block {}".to_string())]
    );
    assert_eq!(
        one(&format!("let r = {write};\n    if let Err(_) = r {{}}")),
        [None]
    );
    // No sound edit: a fallback value, a catch-all arm, a reference pattern.
    assert_eq!(
        one(&format!("let n = {write}.unwrap_or_default();")),
        [None]
    );
    assert_eq!(
        one(&format!("match {write} {{ Ok(_) => {{}} _ => {{}} }}")),
        [None]
    );
    assert_eq!(
        one(&format!(
            "match &{write} {{ &Ok(_) => {{}} &Err(_) => {{}} }}"
        )),
        [None]
    );
}

#[test]
fn syntax_errors_name_the_line() {
    let err = extract("fn f() {\n    let x = ;\n}\n").expect_err("rejects");
    assert!(err.message.contains("line 2"), "{}", err.message);
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let deep = format!(
        "fn f() {{ {}1{} }}",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let err = extract(&deep).expect_err("refuses");
    assert!(err.message.contains("nesting too deep"), "{}", err.message);
    let chain = format!("fn f() {{ let x = {}true; }}", "!".repeat(100_000));
    assert!(extract(&chain).is_err());
    let near = format!(
        "fn f() {{ let x = {}1{}; }}",
        "(".repeat(250),
        ")".repeat(250)
    );
    assert!(extract(&near).is_ok());
    let nots = format!("fn f() {{ let x = {}true; }}", "!".repeat(250));
    assert!(extract(&nots).is_ok());
}

#[test]
fn spans_are_byte_offsets_after_a_bom_and_multibyte_text() {
    let text = "\u{feff}// é ü\nfn f(c: &Connection) { let _ = c.execute(\"INSERT INTO audit_log VALUES (1)\", []); }\n";
    let facts = extract(text).expect("parses");
    let op = facts.ops.iter().find(|o| o.sink.is_some()).expect("op");
    assert!(
        text[op.span.range()].starts_with("c.execute("),
        "{:?}",
        &text[op.span.range()]
    );
}

/// Every shape syn parses recursively, 100,000 deep: refused or parsed, never a stack overflow.
#[test]
fn no_recursive_shape_overflows_the_stack() {
    // Parsed or refused with a message; reaching the end at all is the test (an overflow
    // aborts the process).
    let mut refused = 0;
    for shape in recursive_shapes(100_000) {
        if let Err(err) = extract(&shape) {
            assert!(err.message.contains("nesting too deep"), "{}", err.message);
            refused += 1;
        }
    }
    // Only `else if` chains (cheap per level, and closed blocks end a statement) get through.
    assert_eq!(refused, recursive_shapes(1).len() - 1);
    for n in [1_990, 3_990] {
        for shape in recursive_shapes(n) {
            // Parsed, or refused by a limit: reaching the next line at all is the test.
            if let Err(err) = extract(&shape) {
                assert!(!err.message.is_empty());
            }
        }
    }
}

use crate::tests_shapes::recursive_shapes;

#[test]
fn a_write_macro_statement_drops_its_result() {
    let text = "fn f(audit_log: &mut File) {\n    writeln!(audit_log, \"x\");\n}\n";
    let facts = extract(text).expect("parses");
    let op = &facts.ops[0];
    assert_eq!(op.callee, "audit_log.write!");
    assert!(
        matches!(
            op.guard.as_slice(),
            [auditlint_core::facts::GuardStep::Handler(h)]
                if matches!(h.body, auditlint_core::facts::HandlerBody::DroppedValue)
        ),
        "{:?}",
        op.guard
    );
}

#[test]
fn top_level_test_modules_are_cut_before_syn_builds_its_tree() {
    let kept = |source: &str| {
        let tokens: proc_macro2::TokenStream = source.parse().expect("lexes");
        without_test_modules(tokens).to_string()
    };
    // Cut whole, with every attribute before or after `#[cfg(test)]` and a visibility.
    assert_eq!(
        kept(
            "fn a() {}\n/// Tests.\n#[cfg(test)]\n#[allow(unused)]\npub(crate) mod tests { fn t() { a(); } }\nfn b() {}\n"
        ),
        "fn a () { } fn b () { }"
    );
    assert_eq!(kept("#[cfg(test)] mod t { } #[cfg(test)] mod u { }"), "");
    // Not a module with a body, or not `cfg(test)`: kept.
    for source in [
        "#[cfg(test)] mod tests ;",
        "#[cfg(not(test))] mod real { }",
        "#[cfg(all(test, unix))] mod tests { }",
        "#[cfg(test)] fn helper () { }",
        "#[test] fn works () { }",
        "mod outer { # [cfg (test)] mod tests { } }",
        "#![cfg(test)] fn f () { }",
    ] {
        let cut = kept(source);
        let whole: proc_macro2::TokenStream = source.parse().expect("lexes");
        assert_eq!(cut, whole.to_string(), "{source}");
    }

    // What it cuts is what the walk leaves out: the facts are the same. Its syntax is not
    // checked; with test code checked, it is.
    let source = "fn record(pool: &PgPool) {\n    let _ = sqlx::query(\"INSERT INTO audit_log (a) VALUES ($1)\").execute(pool);\n}\n\n#[cfg(test)]\nmod tests {\n    fn t(pool: &PgPool) {\n        let _ = sqlx::query(\"INSERT INTO audit_log (a) VALUES ($1)\").execute(pool);\n    }\n}\n";
    let facts = extract(source).expect("parses");
    assert_eq!(facts.ops.iter().filter(|o| o.sink.is_some()).count(), 1);
    let with_tests = extract_with(source, true).expect("parses");
    assert_eq!(
        with_tests.ops.iter().filter(|o| o.sink.is_some()).count(),
        2
    );
    let broken_test = source.replace("fn t(pool: &PgPool) {", "fn t(pool: &PgPool) { let = ;");
    assert!(extract(&broken_test).is_ok());
    let error = extract_with(&broken_test, true).expect_err("a syntax error in checked tests");
    assert!(error.message.contains("line 7"), "{}", error.message);
    // A lexing error anywhere is still one, named by line.
    let unlexable = source.replace("mod tests {", "mod tests { \"unterminated");
    let error = extract(&unlexable).expect_err("does not lex");
    assert!(
        error
            .message
            .starts_with("cannot parse this file as Rust (line"),
        "{}",
        error.message
    );
}
