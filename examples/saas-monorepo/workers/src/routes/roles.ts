import { recordStaffAction } from "@acme/workers/audit";

// The fixed shape: fail-open, but surfaced and flagged.
export async function changeRole(env: Env, userId: string, role: string): Promise<Response> {
  await env.DB.prepare("UPDATE users SET role = ? WHERE id = ?").bind(role, userId).run();
  let audit_logged = true;
  try {
    await recordStaffAction(env.DB, userId, "role_change", role);
  } catch (error) {
    audit_logged = false;
    console.warn(JSON.stringify({ event: "audit_log_insert_failed", route: "/roles", operation: "role_change", user_id: userId, error: String(error) }));
  }
  return Response.json({ ok: true, audit_logged });
}

export function touchRole(env: Env, ctx: ExecutionContext, userId: string) {
  // Nobody sees this rejection: waitUntil keeps it alive, nothing more.
  ctx.waitUntil(recordStaffAction(env.DB, userId, "role_touch", userId));
}
