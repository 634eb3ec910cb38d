// `npm test`: every suite, in order, stopping at the first failure.
//   lint + type-check → unit (two time zones) → integration (PGlite; PostgreSQL too when
//   TEST_DATABASE_URL is set) → production build → end-to-end in Chromium (Playwright).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { findChromium, HOW_TO_GET_A_BROWSER } from "./browser.mjs";

const bin = (name) => `node_modules/.bin/${name}`;
const base = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", CHECKPOINT_DISABLE: "1" };

function step(title, command, args, env = {}) {
  console.log(`\n━━ ${title}`);
  const started = Date.now();
  const r = spawnSync(command, args, { stdio: "inherit", env: { ...base, ...env } });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(`✗ ${title} failed (${secs} s)`);
    process.exit(r.status ?? 1);
  }
  console.log(`✓ ${title} (${secs} s)`);
}

const only = process.argv[2]; // optional: unit | integration | e2e

// Each runner also writes a JSON report, so the suite can end on one line with the totals.
const reports = ".tmp/test-reports";
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });
const totals = { passed: 0, failed: 0, skipped: 0 };
function addVitest(file) {
  if (!existsSync(file)) return;
  const r = JSON.parse(readFileSync(file, "utf8"));
  totals.passed += r.numPassedTests;
  totals.failed += r.numFailedTests;
  totals.skipped += r.numPendingTests + (r.numTodoTests ?? 0);
}
function addPlaywright(file) {
  if (!existsSync(file)) return;
  const r = JSON.parse(readFileSync(file, "utf8")).stats;
  totals.passed += r.expected + (r.flaky ?? 0);
  totals.failed += r.unexpected;
  totals.skipped += r.skipped;
}
const vitestArgs = (name) => ["--reporter=default", "--reporter=json", `--outputFile.json=${reports}/${name}.json`];

const browser = await findChromium();
if (!browser && (!only || only === "e2e")) {
  console.error(HOW_TO_GET_A_BROWSER);
  process.exit(1);
}

if (!only) {
  step("lint", bin("eslint"), [".", "--max-warnings=0"]);
  // typegen first: route types and messages/ja.d.json.ts (the catalogue's types) from the sources.
  step("type-check", "sh", ["-c", `${bin("next")} typegen >/dev/null && ${bin("tsc")} --noEmit`]);
}
if (!only || only === "unit") {
  step("unit tests (TZ=UTC)", bin("vitest"), ["run", "--project", "unit", ...vitestArgs("unit-utc")], { TZ: "UTC" });
  addVitest(`${reports}/unit-utc.json`);
  step("unit tests (TZ=America/New_York)", bin("vitest"), ["run", "--project", "unit", ...vitestArgs("unit-ny")], { TZ: "America/New_York" });
  addVitest(`${reports}/unit-ny.json`);
}
if (!only || only === "integration") {
  step("integration tests on PGlite", bin("vitest"), ["run", "--project", "integration", ...vitestArgs("int-pglite")], { TEST_DB: "pglite" });
  addVitest(`${reports}/int-pglite.json`);
  if (process.env.TEST_DATABASE_URL) {
    step("integration tests on PostgreSQL", bin("vitest"), ["run", "--project", "integration", ...vitestArgs("int-pg")], { TEST_DB: "postgres" });
    addVitest(`${reports}/int-pg.json`);
  } else {
    console.log("(integration tests on PostgreSQL skipped: TEST_DATABASE_URL is not set; .ci/run sets it)");
  }
}
if (!only || only === "e2e") {
  step("production build", bin("next"), ["build"]);
  step("end-to-end tests (Playwright, Chromium)", bin("playwright"), ["test", "--reporter=list,json"], {
    CHROMIUM_PATH: browser.path,
    PLAYWRIGHT_JSON_OUTPUT_NAME: `${reports}/e2e.json`,
  });
  addPlaywright(`${reports}/e2e.json`);
}
console.log("\nAll test suites passed.");
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
