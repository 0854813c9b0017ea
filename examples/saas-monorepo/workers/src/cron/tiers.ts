import { evaluateTier } from "../lib/tier";

// The nightly job: it counts `upgraded` and drops every `audit_logged: false`.
export async function applyTiersToAll(env: Env, ids: string[]) {
  const results = await Promise.all(ids.map((id) => evaluateTier(env.DB, id)));
  return { total: ids.length, upgraded: results.filter((r) => r.upgraded).length };
}
