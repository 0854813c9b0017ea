import { recordStaffAction } from "../lib/audit";

// The incident: the CDN is purged, the audit row's failure is swallowed, the route answers 200.
export async function purgeCache(request: Request, env: Env, userId: string): Promise<Response> {
  const { urls } = (await request.json()) as { urls: string[] };
  await fetch("https://api.cdn.example/purge", { method: "POST", body: JSON.stringify({ urls }) });
  try {
    await recordStaffAction(env.DB, userId, "cache_purge", urls.join(","));
  } catch (err) {
    // audit is best-effort
  }
  return Response.json({ ok: true, purged: urls.length });
}
