// Compares auditlint's parse outcomes (`auditlint debug-parse` JSON lines on stdin) with an
// oracle: TypeScript's own parser (`ts.createSourceFile`, its `parseDiagnostics`) for
// TypeScript and JavaScript. For Rust, syn is the reference itself: files it rejects are listed
// apart, as a known limit (nightly-only syntax) or ours to fix.
//
//   node bench/parse-fidelity.mjs TYPESCRIPT < outcomes.jsonl   (the package or its main file)
//
// Prints the counts, then every file the oracle accepts and auditlint rejects (with auditlint's
// first error), then the reverse (with the oracle's first error). Exit code 1 when auditlint
// rejects a file the oracle accepts, 0 otherwise.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";

const [typescriptDir] = process.argv.slice(2);
if (!typescriptDir) {
  console.error("usage: node bench/parse-fidelity.mjs TYPESCRIPT_DIR < outcomes.jsonl");
  process.exit(2);
}
const require = createRequire(import.meta.url);
const ts = require(path.resolve(typescriptDir));

const scriptKinds = {
  ".ts": ts.ScriptKind.TS, ".mts": ts.ScriptKind.TS, ".cts": ts.ScriptKind.TS,
  ".tsx": ts.ScriptKind.TSX,
  ".js": ts.ScriptKind.JS, ".mjs": ts.ScriptKind.JS, ".cjs": ts.ScriptKind.JS,
  ".jsx": ts.ScriptKind.JSX,
};

/// The oracle's first syntax error in a file, or null when it parses cleanly.
function oracle(file) {
  const text = readFileSync(file, "utf8");
  const kind = scriptKinds[path.extname(file)];
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, kind);
  const first = source.parseDiagnostics[0];
  if (!first) return null;
  const { line, character } = source.getLineAndCharacterOfPosition(first.start);
  return `line ${line + 1}, column ${character + 1}: ${ts.flattenDiagnosticMessageText(first.messageText, " ")}`;
}

const lines = readFileSync(0, "utf8").split("\n").filter(Boolean);
const counts = { files: 0, tsjs: 0, rust: 0, parsed: 0, generated: 0, notChecked: 0 };
const weReject = [];
const oracleRejects = [];
const bothReject = [];
const synRejects = [];
const notChecked = [];
for (const line of lines) {
  const { path: file, outcome, message } = JSON.parse(line);
  counts.files++;
  const isRust = file.endsWith(".rs");
  counts[isRust ? "rust" : "tsjs"]++;
  if (outcome === "generated") { counts.generated++; continue; }
  if (outcome === "not-checked") { counts.notChecked++; notChecked.push(`${file}: ${message}`); continue; }
  if (outcome === "parsed") counts.parsed++;
  if (isRust) {
    if (outcome === "syntax-error") synRejects.push(`${file}: ${message}`);
    continue;
  }
  let verdict;
  try {
    verdict = oracle(file);
  } catch (error) {
    verdict = `the oracle failed: ${error.message}`;
  }
  if (outcome === "syntax-error" && verdict === null) weReject.push(`${file}: ${message}`);
  if (outcome === "parsed" && verdict !== null) oracleRejects.push(`${file}: ${verdict}`);
  if (outcome === "syntax-error" && verdict !== null) bothReject.push(`${file}: ${message}`);
}

console.log(`files: ${counts.files} (ts/js ${counts.tsjs}, rust ${counts.rust}); parsed cleanly: ${counts.parsed}; skipped as generated: ${counts.generated}; not checked: ${counts.notChecked}`);
const section = (title, items) => {
  console.log(`${title}: ${items.length}`);
  for (const item of items) console.log(`  ${item}`);
};
section("valid files auditlint rejects (the oracle accepts them)", weReject);
section("files the oracle rejects and auditlint accepts", oracleRejects);
section("syntax errors both report", bothReject);
section("rust files syn rejects (known limit: nightly-only syntax; else ours to fix)", synRejects);
section("files not checked (binary, not UTF-8, too large, too deep)", notChecked);
process.exit(weReject.length > 0 ? 1 : 0);
