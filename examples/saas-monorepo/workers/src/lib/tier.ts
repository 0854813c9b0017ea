import { recordStaffAction } from "./audit";

// Fail-open per item: a failed `tier_events` insert is reported through `audit_logged`.
export async function evaluateTier(db: D1Database, affiliateId: string) {
  const upgraded = await maybeUpgrade(db, affiliateId);
  if (!upgraded) return { affiliate_id: affiliateId, upgraded: false, audit_logged: true };
  let audit_logged = true;
  try {
    await recordStaffAction(db, "system", "tier_upgrade", affiliateId);
  } catch (error) {
    audit_logged = false;
    console.warn(JSON.stringify({ event: "tier_audit_insert_failed", affiliate_id: affiliateId, error: String(error) }));
  }
  return { affiliate_id: affiliateId, upgraded: true, audit_logged };
}

declare function maybeUpgrade(db: D1Database, id: string): Promise<boolean>;
