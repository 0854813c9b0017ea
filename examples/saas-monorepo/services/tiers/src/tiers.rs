use futures::future::join_all;
use sqlx::PgPool;

pub struct TierOutcome {
    pub affiliate_id: i64,
    pub upgraded: bool,
    pub audit_logged: bool,
}

/// One affiliate: a failed `tier_events` insert is warned about and reported in `audit_logged`.
pub async fn evaluate_tier(pool: &PgPool, affiliate_id: i64) -> Result<TierOutcome, sqlx::Error> {
    let upgraded = apply_next_tier(pool, affiliate_id).await?;
    let mut audit_logged = true;
    if let Err(error) = sqlx::query!("INSERT INTO tier_events (affiliate_id) VALUES ($1)", affiliate_id)
        .execute(pool)
        .await
    {
        tracing::warn!(event = "tier_audit_insert_failed", affiliate_id, %error);
        audit_logged = false;
    }
    Ok(TierOutcome { affiliate_id, upgraded, audit_logged })
}

/// The nightly job, in Rust: it counts `upgraded` and drops every `audit_logged: false`.
pub async fn apply_tiers_to_all(pool: &PgPool, ids: &[i64]) -> usize {
    let results = join_all(ids.iter().map(|id| evaluate_tier(pool, *id))).await;
    results.iter().filter(|r| matches!(r, Ok(o) if o.upgraded)).count()
}
