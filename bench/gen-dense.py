#!/usr/bin/env python3
"""Writes a synthetic code base where audit code is everywhere: the dense case.

    bench/gen-dense.py OUT [FILES] [--lang ts|rust]

Every file passes the prefilter and is parsed: each holds audit inserts under try/catch (some
swallowed, some surfaced), wrappers called from other files (so the index's fixpoint has work),
results bound to variables and read field by field in long functions (so following a variable's
uses is exercised), promise chains, and big handler-sized helpers. The output is deterministic
(FILES and the language decide it), so the same tree is measured on every change:

    bench/gen-dense.py /tmp/dense-ts 2000 && bench/run.sh /tmp/dense-ts 5
    bench/gen-dense.py /tmp/dense-rs 1000 --lang rust && bench/run.sh /tmp/dense-rs 5
"""
import os
import sys


def ts_file(i, files):
    callee = (i * 7 + 3) % files
    out = [f'import {{ recordAudit{callee} }} from "./m{callee}";', ""]
    out.append(f"export async function recordAudit{i}(db: Db, row: Row) {{")
    out.append('  await db.from("audit_logs").insert(row);')
    out.append("}")
    out.append("")
    for f in range(6):
        out.append(f"export async function handler{i}_{f}(env: Env, db: Db, ids: string[]) {{")
        for v in range(12):
            out.append(f"  const r{v} = await load{v}(env, ids[{v}]);")
            out.append(f"  if (r{v}.ok) {{ console.log(r{v}.value, r{v}.count + {v}); }}")
        out.append("  try {")
        out.append(f'    await env.DB.prepare("INSERT INTO staff_audit_logs (id) VALUES (?)").bind(ids[{f}]).run();')
        out.append(f"    await recordAudit{callee}(db, {{ id: ids[0] }});")
        if f % 3 == 0:
            out.append("  } catch (err) {}")
        else:
            out.append("  } catch (err) {")
            out.append('    console.warn(JSON.stringify({ event: "audit_log_insert_failed", error: String(err) }));')
            out.append("  }")
        out.append("  const results = await Promise.all(ids.map((id) => evaluate(id)));")
        out.append("  return { total: results.length, upgraded: results.filter((r) => r.upgraded).length };")
        out.append("}")
        out.append("")
    out.append(f"export function report{i}(err: unknown, route: string) {{")
    for k in range(20):
        out.append(f'  const m{k} = err instanceof Error ? err.message : String(err) + "{k}";')
    out.append('  console.error({ route, m0, m19 });')
    out.append("}")
    return "\n".join(out) + "\n"


def rust_file(i, files):
    callee = (i * 7 + 3) % files
    out = ["use sqlx::PgPool;", ""]
    out.append(f"pub async fn record_audit_{i}(pool: &PgPool) -> Result<(), sqlx::Error> {{")
    out.append('    sqlx::query("INSERT INTO audit_log (a) VALUES (1)").execute(pool).await?;')
    out.append("    Ok(())")
    out.append("}")
    out.append("")
    for f in range(6):
        out.append(f"pub async fn handler_{i}_{f}(pool: &PgPool, ids: &[i64]) -> usize {{")
        for v in range(12):
            out.append(f"    let r{v} = load_{v}(pool, ids[{v}]).await;")
            out.append(f"    if r{v}.is_ok() {{ println!(\"{{:?}}\", r{v}); }}")
        if f % 3 == 0:
            out.append(f"    let _ = crate::m{callee}::record_audit_{callee}(pool).await;")
        else:
            out.append(f"    if let Err(e) = crate::m{callee}::record_audit_{callee}(pool).await {{")
            out.append('        tracing::warn!(error = %e, "audit_log_insert_failed");')
            out.append("    }")
        out.append("    ids.len()")
        out.append("}")
        out.append("")
    return "\n".join(out) + "\n"


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    lang = "ts"
    if "--lang" in sys.argv:
        lang = sys.argv[sys.argv.index("--lang") + 1]
        args = [a for a in args if a != lang]
    if not args or lang not in ("ts", "rust"):
        sys.exit(__doc__)
    out, files = args[0], int(args[1]) if len(args) > 1 else 2000
    src = os.path.join(out, "src")
    os.makedirs(src, exist_ok=True)
    with open(os.path.join(out, "auditlint.toml"), "w") as f:
        f.write("# a generated dense benchmark tree (bench/gen-dense.py)\n")
    for i in range(files):
        if lang == "ts":
            path, text = os.path.join(src, f"m{i}.ts"), ts_file(i, files)
        else:
            path, text = os.path.join(src, f"m{i}.rs"), rust_file(i, files)
        with open(path, "w") as f:
            f.write(text)
    if lang == "rust":
        with open(os.path.join(src, "lib.rs"), "w") as f:
            f.write("".join(f"pub mod m{i};\n" for i in range(files)))


if __name__ == "__main__":
    main()
