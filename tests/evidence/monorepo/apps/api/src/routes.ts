// One route per way an audit write's failure can be handled.
import { createClient } from "@supabase/supabase-js";
import { reportToOps } from "@acme/ops-client";
import { writeAudit } from "@acme/audit";

const supabase = createClient(process.env.SUPABASE_URL!, process.env.SUPABASE_SERVICE_ROLE_KEY!);

export async function purgeSurfaced(db: D1Database, ids: string[]): Promise<Response> {
  try {
    await writeAudit(db, "cache_purge", ids);
  } catch (err) {
    console.warn(JSON.stringify({ event: "audit_log_insert_failed", operation: "cache_purge", ids, error: String(err) }));
  }
  return new Response("ok");
}

export async function purgeRecorded(db: D1Database, ids: string[]) {
  let audit_logged = true;
  try {
    await writeAudit(db, "cache_purge", ids);
  } catch {
    audit_logged = false;
  }
  return { purged: ids.length, audit_logged };
}

export async function purgeSwallowed(db: D1Database, ids: string[]): Promise<Response> {
  try {
    await writeAudit(db, "cache_purge", ids);
  } catch (err) {}
  return new Response("ok");
}

export async function purgeSuppressed(db: D1Database, ids: string[]): Promise<Response> {
  try {
    await writeAudit(db, "cache_warm", ids);
    // auditlint-ignore audit-error-swallowed until=2999-01-01 -- cache warming is not a staff action; replayed from the CDN log (OPS-77)
  } catch (err) {}
  return new Response("ok");
}

export function purgeFloating(db: D1Database, ids: string[]): Response {
  writeAudit(db, "cache_purge", ids);
  return new Response("ok");
}

export async function purgeDelegated(db: D1Database, ids: string[]): Promise<Response> {
  await writeAudit(db, "cache_purge", ids).catch(reportToOps);
  return new Response("ok");
}

export async function purgeReturnsError(db: D1Database, ids: string[]) {
  try {
    await writeAudit(db, "cache_purge", ids);
  } catch (err) {
    return err;
  }
}

export async function purgePassedOn(db: D1Database, ids: string[], pending: Promise<void>[]): Promise<void> {
  pending.push(writeAudit(db, "cache_purge", ids));
}

export async function roleChecked(actorId: string, roleId: string) {
  const { error } = await supabase.from("audit_logs").insert({ actor_id: actorId, action: "role.delete", target_id: roleId });
  if (error) {
    console.warn(JSON.stringify({ event: "audit_log_insert_failed", operation: "role.delete", ids: [roleId], error: error.message }));
  }
  return { deleted: true };
}

export async function roleUnchecked(actorId: string, roleId: string) {
  await supabase.from("audit_logs").insert({ actor_id: actorId, action: "role.rename", target_id: roleId });
  return { renamed: true };
}
