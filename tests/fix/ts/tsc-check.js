// Type-checks the files named on the command line with TypeScript's compiler API (strict).
const ts = require(process.env.TYPESCRIPT);
const program = ts.createProgram(process.argv.slice(2), {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2020,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  lib: ["lib.es2020.d.ts", "lib.dom.d.ts"],
  types: [],
});
const diagnostics = ts.getPreEmitDiagnostics(program);
for (const d of diagnostics) {
  const where = d.file ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : "";
  console.log(where + ts.flattenDiagnosticMessageText(d.messageText, "\n"));
}
process.exit(diagnostics.length === 0 ? 0 : 1);
