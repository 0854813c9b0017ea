import type { Db } from "./db";

// No logger in this file: the fixes use `console.warn`.
export async function record(db: Db, user: string): Promise<void> {
  try {
    await db.prepare("INSERT INTO audit_logs (user_id) VALUES (?)").bind(user).run();
  } catch (err) {
    // fail open
  }
}

export function recordLater(db: Db, user: string): void {
  db.prepare("INSERT INTO audit_logs (user_id) VALUES (?)").bind(user).run().catch(() => {});
}

export function recordQuietly(db: Db, user: string): Promise<unknown> {
  return db.prepare("INSERT INTO audit_logs (user_id) VALUES (?)").bind(user).run().catch(() => null);
}
