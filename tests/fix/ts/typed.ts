import type { Db } from "./db";
import type { Logger } from "./logger";

// `log` is a parameter this file calls `info` on: the fix logs with it.
export async function keep(db: Db, log: Logger, user: string): Promise<void> {
  log.info({ event: "keeping", user });
  try {
    await db.prepare("INSERT INTO audit_logs (user_id) VALUES (?)").bind(user).run();
  } catch (e) {}
}

// No `log` here, and `Logger` is a type: `console.warn`.
export async function keepQuietly(db: Db, user: string): Promise<Logger | undefined> {
  try {
    await db.prepare("INSERT INTO audit_logs (user_id) VALUES (?)").bind(user).run();
  } catch {
    return undefined;
  }
  return undefined;
}
