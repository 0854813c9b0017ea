//! Every shape of swallowing handler, in a file that uses `tracing`.
use crate::store::Connection;
use crate::tracing;

pub fn let_underscore(conn: &Connection, actor: i64) {
    tracing::info!(actor, "logout");
    let _ = conn.execute("INSERT INTO audit_log (actor_id) VALUES (?1)", [actor]);
}

pub fn ok_statement(conn: &Connection, actor: i64) {
    conn.execute("INSERT INTO audit_log (actor_id) VALUES (?1)", [actor]).ok();
}

pub fn if_let_wildcard(conn: &Connection, actor: i64) {
    if let Err(_) = conn.execute("INSERT INTO audit_log (actor_id) VALUES (?1)", [actor]) {}
}

pub fn match_expression_arm(conn: &Connection, actor: i64) -> usize {
    match conn.execute("INSERT INTO audit_log (actor_id) VALUES (?1)", [actor]) {
        Ok(n) => n,
        Err(_) => 0,
    }
}

pub fn match_block_arm(conn: &Connection, actor: i64) {
    match conn.execute("INSERT INTO audit_log (actor_id) VALUES (?1)", [actor]) {
        Ok(_) => {}
        Err(_e) => {}
    }
}

pub fn unwrap_or_else(conn: &Connection, actor: i64) -> usize {
    conn.execute("INSERT INTO audit_log (actor_id) VALUES (?1)", [actor]).unwrap_or_else(|_| 0)
}

pub fn bare_statement(conn: &Connection, actor: i64) {
    conn.execute("INSERT INTO audit_log (actor_id) VALUES (?1)", [actor]);
}

pub fn unwrap_or_default(conn: &Connection, actor: i64) -> usize {
    // No sound edit surfaces this one: it is not fixed.
    conn.execute("INSERT INTO audit_log (actor_id) VALUES (?1)", [actor]).unwrap_or_default()
}

pub fn attributed_statement(conn: &Connection, actor: i64) {
    // An attribute cannot move onto an `if let` scrutinee: not fixed either.
    #[allow(unused_must_use)]
    conn.execute("INSERT INTO audit_log (actor_id) VALUES (?1)", [actor]);
}
