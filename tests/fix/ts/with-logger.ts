import type { Db } from "./db";
import { logger } from "./logger";

// `catch {}` binds nothing: the fix names the error and logs it with the imported logger.
export async function purge(db: Db, user: string): Promise<boolean> {
  logger.info({ event: "purge_started", user });
  try {
    await db.prepare("INSERT INTO staff_audit_logs (user_id) VALUES (?)").bind(user).run();
  } catch {}
  return true;
}
