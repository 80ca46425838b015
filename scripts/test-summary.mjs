#!/usr/bin/env node
// Prints vitest's JSON report as one bare closing line, "N passed, N failed", the form every CI
// reader counts (vitest's own summary is not one it parses; a prefix word or a skipped count made
// stops 7 and 8 land as "ran no test"). Skipped tests, if any, are reported on stderr: none may exist.
// Exits 1 when the report is missing, says a test failed, or counts no test at all: a run that
// executed nothing must not look green.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.cache/vitest-results.json';
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  console.error(`test-summary: cannot read vitest's JSON report ${file}: ${err.message}`);
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
const failed = report.numFailedTests ?? 0;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
const suitesFailed = report.numFailedTestSuites ?? 0;
console.log(`${passed} passed, ${failed} failed`);
if (skipped > 0) console.error(`test-summary: ${skipped} test(s) skipped or todo`);
if (suitesFailed > 0) console.error(`test-summary: ${suitesFailed} suite(s) (files or describe blocks) failed`);
if (passed + failed === 0) console.error('test-summary: no test was executed');
process.exit(failed > 0 || suitesFailed > 0 || passed === 0 ? 1 : 0);
