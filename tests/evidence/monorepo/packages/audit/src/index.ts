// The shared audit helper: its write's error propagates to every caller.
export async function writeAudit(db: D1Database, action: string, ids: string[]): Promise<void> {
  await db.prepare("INSERT INTO staff_audit_logs (action, ids) VALUES (?, ?)").bind(action, ids.join(",")).run();
}
