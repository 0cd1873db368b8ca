#!/usr/bin/env node
// Adds up the vitest JSON reports of every workspace into one plain closing line.
import { existsSync, readFileSync } from "node:fs";

let passed = 0;
let failed = 0;
let skipped = 0;
for (const ws of ["shared", "control-plane", "data-plane", "portal"]) {
  const file = `${ws}/test-results/vitest.json`;
  if (existsSync(file)) {
    const r = JSON.parse(readFileSync(file, "utf8"));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + r.numTodoTests;
  }
}
process.stdout.write(`\nTests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
