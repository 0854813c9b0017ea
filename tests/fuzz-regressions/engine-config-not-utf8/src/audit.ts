export async function record(db: D1Database, id: string) {
  try {
    await db.prepare("INSERT INTO audit_log (id) VALUES (?)").bind(id).run();
  } catch {}
}
