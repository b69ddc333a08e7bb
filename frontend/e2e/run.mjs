// Runs every journey against a running coregroup, with JavaScript on and then off, in headless
// Chromium. scripts/e2e starts the server; this needs only:
//
//   BASE_URL        the server, e.g. http://127.0.0.1:8080
//   E2E_PASSWORD    the demo accounts' password (`coregroup demo` prints it)
//   E2E_LABEL       a word naming the run in the closing line (e.g. sqlite); optional
//   E2E_SCREENSHOTS where screenshots go; target/screenshots by default
//   E2E_RESULTS     a file to write the counts to as JSON; optional
//   E2E_ONLY        journey ids to run, comma-separated (sighting,clock,visit,…); optional
//   CHROMIUM        the browser; /usr/bin/chromium by default

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { Api } from './lib/api.mjs';
import { Failure } from './lib/assert.mjs';
import { CHROMIUM_ARGS, Findings, Trip } from './lib/checks.mjs';
import { discover } from './lib/data.mjs';
import { JOURNEYS } from './journeys.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const baseUrl = (process.env.BASE_URL ?? '').replace(/\/$/, '');
const password = process.env.E2E_PASSWORD ?? '';
const label = process.env.E2E_LABEL || 'e2e';
const screenshotDir = process.env.E2E_SCREENSHOTS || path.resolve(here, '../../target/screenshots');
const only = (process.env.E2E_ONLY ?? '').split(',').filter(Boolean);

if (!baseUrl || !password) {
  console.error('Set BASE_URL and E2E_PASSWORD (scripts/e2e does both).');
  process.exit(2);
}

const started = Date.now();
const api = new Api(baseUrl, password);
let data;
try {
  data = await discover(api);
} catch (e) {
  console.log(`FAIL finding the demo data through the JSON API\n      ${e.stack ?? e}`);
  console.log(`${label}: 0 passed, 1 failed`);
  process.exit(1);
}
console.log(
  `data: ${data.children.length} children; the teacher's: ${data.teachers.size}; ` +
    `families for the visit: ${data.families.map((f) => `${f.children.map((c) => c.name).join(', ')} (${f.leadEmail}${f.made ? ', made for this run' : ''})`).join('; ')}`,
);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: CHROMIUM_ARGS,
});
const findings = new Findings(screenshotDir);
const shared = { taken: new Set() };
const results = [];

try {
  for (const mode of ['js', 'nojs']) {
    const state = {};
    for (const journey of JOURNEYS) {
      if (only.length && !only.includes(journey.id)) continue;
      const t = new Trip({ browser, baseUrl, mode, journey: journey.id, findings });
      Object.assign(t, { api, data, password, state, shared });
      const name = `${journey.title} [${mode === 'js' ? 'JavaScript on' : 'JavaScript off'}]`;
      const t0 = Date.now();
      let error = null;
      try {
        await journey.run(t);
      } catch (e) {
        error = e;
      } finally {
        await t.close();
      }
      const seconds = ((Date.now() - t0) / 1000).toFixed(1);
      const failed = error !== null || t.problems.length > 0;
      results.push({ name, failed });
      console.log(`${failed ? 'FAIL' : 'ok  '} ${name} (${seconds}s)`);
      if (error) console.log(indent(error instanceof Failure ? error.message : (error.stack ?? String(error))));
      for (const p of t.problems) console.log(indent(p));
    }
  }
} finally {
  await browser.close();
}

const passed = results.filter((r) => !r.failed).length;
const failed = results.length - passed;
console.log('');
console.log(`axe: ${findings.axeRuns} checks of ${findings.pages.size} pages (each at 1280 and 320 pixels wide)`);
console.log(`axe violations: ${findings.violations.length}; console or script errors: ${findings.consoleErrors.length}`);
console.log(`screenshots: ${findings.screenshots.length} in ${screenshotDir}`);
console.log(`time: ${((Date.now() - started) / 1000).toFixed(0)}s`);
if (process.env.E2E_RESULTS) {
  await writeFile(
    process.env.E2E_RESULTS,
    JSON.stringify({
      passed,
      failed,
      axeRuns: findings.axeRuns,
      pages: findings.pages.size,
      violations: findings.violations.length,
      consoleErrors: findings.consoleErrors.length,
      screenshots: findings.screenshots,
    }),
  );
}
console.log(`${label}: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || results.length === 0 ? 1 : 0);

function indent(text) {
  return String(text)
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n');
}
