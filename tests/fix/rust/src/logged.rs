//! A file that uses `log`.
use crate::log;
use crate::store::Connection;

pub fn record(conn: &Connection, actor: i64) {
    log::info!("recording {}", actor);
    let _ = conn.execute("INSERT INTO audit_log (actor_id) VALUES (?1)", [actor]);
}
