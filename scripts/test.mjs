// `npm test`: every suite, in order, stopping at the first failure.
//   lint + type-check → unit (two time zones) → integration (PGlite; PostgreSQL too when
//   TEST_DATABASE_URL is set) → production build → end-to-end in Chromium (Playwright).
import { spawnSync } from "node:child_process";
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

const browser = await findChromium();
if (!browser && (!only || only === "e2e")) {
  console.error(HOW_TO_GET_A_BROWSER);
  process.exit(1);
}

if (!only) {
  step("lint", bin("eslint"), [".", "--max-warnings=0"]);
  step("type-check", bin("tsc"), ["--noEmit"]);
}
if (!only || only === "unit") {
  step("unit tests (TZ=UTC)", bin("vitest"), ["run", "--project", "unit"], { TZ: "UTC" });
  step("unit tests (TZ=America/New_York)", bin("vitest"), ["run", "--project", "unit"], { TZ: "America/New_York" });
}
if (!only || only === "integration") {
  step("integration tests on PGlite", bin("vitest"), ["run", "--project", "integration"], { TEST_DB: "pglite" });
  if (process.env.TEST_DATABASE_URL) {
    step("integration tests on PostgreSQL", bin("vitest"), ["run", "--project", "integration"], { TEST_DB: "postgres" });
  } else {
    console.log("(integration tests on PostgreSQL skipped: TEST_DATABASE_URL is not set; .ci/run sets it)");
  }
}
if (!only || only === "e2e") {
  step("production build", bin("next"), ["build"]);
  step("end-to-end tests (Playwright, Chromium)", bin("playwright"), ["test"], { CHROMIUM_PATH: browser.path });
}
console.log("\nAll test suites passed.");
