// Bulk callers of a flag producer: one counts the failed audit writes, one drops the flag.
import { purgeRecorded } from "../../api/src/routes";

export async function nightlyCounts(db: D1Database, batches: string[][]) {
  const results = await Promise.all(batches.map((ids) => purgeRecorded(db, ids)));
  return { total: results.length, audit_failed: results.filter((r) => !r.audit_logged).length };
}

export async function nightlyDrops(db: D1Database, batches: string[][]) {
  const results = await Promise.all(batches.map((ids) => purgeRecorded(db, ids)));
  return { total: results.length, purged: results.filter((r) => r.purged > 0).length };
}
