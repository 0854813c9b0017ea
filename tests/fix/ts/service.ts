import type { Db } from "./db";

interface Logger {
  info(fields: object): void;
  warn(fields: object): void;
}

// A class with an injected logger: the fix uses `this.logger`.
export class AuditService {
  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
  ) {}

  async record(user: string): Promise<void> {
    this.logger.info({ event: "recording", user });
    try {
      await this.db.prepare("INSERT INTO audit_logs (user_id) VALUES (?)").bind(user).run();
    } catch (e) {}
  }

  // An arrow keeps `this`: `this.logger` it is.
  recordSoon(user: string): void {
    this.db.prepare("INSERT INTO audit_logs (user_id) VALUES (?)").bind(user).run().catch(() => {});
  }

  // A `function` callback rebinds `this`: the fix does not use `this.logger` there.
  recordLater(user: string): void {
    this.db.prepare("INSERT INTO audit_logs (user_id) VALUES (?)").bind(user).run().catch(function () {});
  }
}
