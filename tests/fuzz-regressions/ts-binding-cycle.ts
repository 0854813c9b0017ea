// Fuzz regression (engine target, two stack overflows): receivers bound to each other's calls.
// Resolving `a.z()` resolved `b.x` (what `a` is), which resolved `a.y` (what `b` is), which
// resolved `b.x` again, until the stack overflowed and the whole run aborted. Cycles and
// chains of such bindings are now unresolved past the resolution depth limit.
const a = b.x();
const b = a.y();
const c = d.x();
const d = e.x();
const e = c.x();

export async function record(db: D1Database) {
  try {
    await db.prepare("INSERT INTO audit_log (a) VALUES (1)").run();
  } catch {}
  a.z();
  c.z();
}
