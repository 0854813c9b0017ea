use sqlx::PgPool;

/// Writes one staff audit row; its error goes to the caller.
pub async fn record_staff_action(pool: &PgPool, staff_id: i64, action: &str, target: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO staff_audit_logs (staff_id, action, target) VALUES ($1, $2, $3)",
        staff_id,
        action,
        target
    )
    .execute(pool)
    .await?;
    Ok(())
}
