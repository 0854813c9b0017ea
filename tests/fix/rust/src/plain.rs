//! A file with no logging crate: the fix uses `eprintln!`.
use crate::store::Connection;

pub fn record(conn: &Connection, actor: i64) {
    if let Err(..) = conn.execute("INSERT INTO audit_log (actor_id) VALUES (?1)", [actor]) {
        // best effort
    }
}
