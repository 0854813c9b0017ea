// Fuzz regression (rust target): macros whose bodies hold macros whose bodies hold macros, each
// body walked as a block where the macro is. Looked up by where each macro starts, so two
// macros must never share a start (they did in a harness built without span locations).
pub async fn record(pool: &Pool, id: i64) {
    db_run! { conn:
        sqlite {
            tokio::select! {
                r = async { inner! { let _ = sqlx::query("INSERT INTO audit_log (id) VALUES (?)").bind(id).execute(pool).await; } } => {}
            }
        }
        postgres { outer! { middle! { inner! { let _ = write_audit(pool, id).await; } } } }
    }
}
