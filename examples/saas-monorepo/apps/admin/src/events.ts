import { createClient } from "@supabase/supabase-js";
import pino from "pino";

const supabase = createClient(process.env.SUPABASE_URL!, process.env.SUPABASE_KEY!);
const logger = pino();

// Supabase reports failure as a value: nobody reads `error` here.
export async function logAdminAction(actorId: string, action: string) {
  const { data } = await supabase.from("admin_actions").insert({ actor_id: actorId, action }).select();
  return data;
}

// The accepted fail-open emit: the failure is logged at warn.
export function emitAuditEvent(event: { type: string }) {
  auditClient.send(event).catch((err: unknown) => logger.warn({ err }, "audit.emit.failed"));
}

declare const auditClient: { send(e: unknown): Promise<void> };
