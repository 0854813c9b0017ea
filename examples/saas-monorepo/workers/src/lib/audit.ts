// The audit helper: its insert's failure escapes to the caller, who must handle it.
export async function recordStaffAction(db: D1Database, userId: string, action: string, target: string) {
  await db
    .prepare("INSERT INTO staff_audit_logs (user_id, action, target, created_at) VALUES (?, ?, ?, datetime('now'))")
    .bind(userId, action, target)
    .run();
}
