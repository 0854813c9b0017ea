use sqlx::PgPool;

use crate::audit::record_staff_action;

/// The cache-purge incident, in Rust: the purge happens, the audit row's failure is dropped.
pub async fn purge_cache(pool: &PgPool, staff_id: i64, urls: &[String]) -> Result<usize, PurgeError> {
    purge_cdn(urls).await?;
    let _ = record_staff_action(pool, staff_id, "cache_purge", &urls.join(",")).await;
    Ok(urls.len())
}
