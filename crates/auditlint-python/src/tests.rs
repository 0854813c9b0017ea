//! Unit tests of the Python front end's facts; rule behaviour is in `fixtures/`.

use auditlint_core::facts::{GuardStep, HandlerBody, SinkSyntax};

use crate::extract;

#[test]
fn sql_insert_in_strings_of_every_form() {
    let src = r#"
SQL = "INSERT INTO audit_log (a) VALUES (%s)"
def f(cur, x):
    cur.execute(SQL, (x,))
    cur.execute(f"INSERT INTO {schema}.audit_log VALUES ($1)")
    cur.execute("""INSERT INTO
        audit_log (a) VALUES (1)""")
    cur.execute("INSERT INTO " "audit_log (a) VALUES (1)")
    session.execute(text("INSERT INTO audit_log (a) VALUES (:a)"))
    cur.execute("INSERT INTO menu_items VALUES (1)")
"#;
    let facts = extract(src).unwrap();
    let tables: Vec<String> = facts
        .ops
        .iter()
        .filter_map(|op| match &op.sink {
            Some(SinkSyntax::SqlInsert { table }) => Some(table.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(tables.len(), 6, "{tables:?}");
    assert_eq!(tables[5], "menu_items");
}

#[test]
fn except_clauses_are_catch_handlers() {
    let src = "def f(cur):\n    try:\n        cur.execute('INSERT INTO audit_log VALUES (1)')\n    except KeyError:\n        pass\n    except Exception as e:\n        logger.info('x %s', e)\n";
    let facts = extract(src).unwrap();
    let op = &facts.ops[0];
    let handlers: Vec<&HandlerBody> = op
        .guard
        .iter()
        .filter_map(|s| match s {
            GuardStep::Handler(h) => Some(&h.body),
            _ => None,
        })
        .collect();
    assert_eq!(handlers.len(), 1, "KeyError cannot be the write's failure");
    let HandlerBody::Inline(effects) = handlers[0] else {
        panic!("inline")
    };
    assert_eq!(effects.calls, ["logger.info"]);
    assert!(matches!(op.guard.last(), Some(GuardStep::Exit(Some(0)))));
}

#[test]
fn deep_nesting_is_truncated_not_a_crash() {
    let mut src = String::from("x = ");
    for _ in 0..5_000 {
        src.push('(');
    }
    src.push('1');
    for _ in 0..5_000 {
        src.push(')');
    }
    src.push('\n');
    let facts = extract(&src).unwrap();
    assert!(facts.truncated_at_depth.is_some() || !facts.syntax_errors.is_empty());
}

#[test]
fn syntax_errors_are_reported_and_the_rest_is_read() {
    let src =
        "def f(:\n    pass\ndef g(cur):\n    cur.execute('INSERT INTO audit_log VALUES (1)')\n";
    let facts = extract(src).unwrap();
    assert!(!facts.syntax_errors.is_empty());
    assert!(facts.ops.iter().any(|op| op.sink.is_some()));
}

#[test]
fn a_long_file_of_broken_nesting_is_parsed_on_its_own_stack_without_a_crash() {
    // More lines than `LINES_ON_OWN_STACK`, each opening a bracket that never closes: the
    // parser's error recovery recurses deeply; the facts say where it gave up.
    let mut src =
        String::from("def f(cur):\n    cur.execute('INSERT INTO audit_log VALUES (1)')\n");
    for _ in 0..9_000 {
        src.push_str("x = [(\n");
    }
    let facts = extract(&src).unwrap();
    assert!(!facts.syntax_errors.is_empty());
}

#[test]
fn results_read_after_the_call_are_fields_and_escapes() {
    let src = "def job(ids):\n    n = 0\n    for i in ids:\n        r = evaluate(i)\n        if r['upgraded']:\n            n += 1\n    rows = [evaluate(i) for i in ids]\n    return sum(1 for row in rows if row.get('audit_logged'))\n";
    let facts = extract(src).unwrap();
    let evaluate: Vec<_> = facts
        .ops
        .iter()
        .filter(|op| op.callee == "evaluate")
        .collect();
    assert_eq!(evaluate.len(), 2);
    assert_eq!(evaluate[0].result.fields, ["upgraded"]);
    assert!(!evaluate[0].result.escapes);
    assert_eq!(evaluate[1].result.fields, ["audit_logged"]);
}
