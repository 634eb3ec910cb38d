import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { freePort } from "../fixtures/net";
import { createScratchDatabase } from "../fixtures/pg-database";
import { expect, test } from "./fixtures";

// In production the simulated clock, the dev mailbox and the test-data API do not exist, and APP_NOW
// stops the start. A production-mode server is started here on its own port and data folder, on a
// PostgreSQL database of its own (production refuses the embedded one).
const productionEnv = (port: number, databaseUrl = "postgresql://unused@127.0.0.1:1/unused") => ({
  ...process.env,
  APP_ENV: "production",
  HOST: "127.0.0.1",
  PORT: String(port),
  DATA_DIR: ".tmp/production-e2e",
  NEXTAUTH_URL: `http://127.0.0.1:${port}`,
  NEXTAUTH_SECRET: "production-test-secret-0123456789abcdef",
  CREDENTIAL_KEY: "ab".repeat(32),
  SMTP_URL: `smtp://127.0.0.1:${process.env.MAIL_CAPTURE_SMTP_PORT ?? 2525}`,
  LOG_LEVEL: "warn",
  APP_NOW: "",
  TEST_API_TOKEN: "",
  DATABASE_URL: databaseUrl,
  METRICS_TOKEN: METRICS_TOKEN,
});
const METRICS_TOKEN = "production-metrics-token-0123456789";

test.describe("production refuses the test and reproduction aids", () => {
  test.describe.configure({ timeout: 120_000 });

  test("APP_NOW in production stops the start with a message naming it", () => {
    const r = spawnSync("node_modules/.bin/tsx", ["scripts/serve.ts"], { env: { ...productionEnv(1), APP_NOW: "2026-11-25T14:00:00+09:00" }, encoding: "utf8", timeout: 60_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("APP_NOW is not allowed in production");
  });

  test("no simulated clock, no dev pages, no test API", async ({ browser }) => {
    test.skip(!process.env.TEST_DATABASE_URL, "production needs a PostgreSQL server: set TEST_DATABASE_URL (.ci/run does)");
    const port = await freePort();
    const db = await createScratchDatabase(process.env.TEST_DATABASE_URL!, `production_${randomBytes(4).toString("hex")}`);
    const server = spawn("node_modules/.bin/tsx", ["scripts/serve.ts"], { env: productionEnv(port, db.url), stdio: "inherit" });
    try {
      const base = `http://127.0.0.1:${port}`;
      await expect.poll(async () => (await fetch(`${base}/api/ready`).catch(() => null))?.status, { timeout: 90_000, intervals: [500] }).toBe(200);
      expect((await fetch(`${base}/dev/clock`)).status).toBe(404);
      expect((await fetch(`${base}/dev/mailbox`)).status).toBe(404);
      const api = await fetch(`${base}/api/test/customers`, { method: "POST", headers: { "x-test-token": "e2e-test-token", "content-type": "application/json" }, body: "{}" });
      expect(api.status).toBe(404);
      const top = await fetch(`${base}/`);
      expect(top.headers.get("strict-transport-security")).toContain("max-age=");
      // /metrics needs the bearer token in production, even from loopback
      expect((await fetch(`${base}/metrics`)).status).toBe(401);
      expect((await fetch(`${base}/metrics`, { headers: { authorization: "Bearer not-the-token-0123456789" } })).status).toBe(401);
      const scraped = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toMatch(/^selfcare_http_request_duration_seconds_count\{.*route="\/".*\} [1-9]/m);

      const context = await browser.newContext();
      await context.addCookies([{ name: "sim_clock", value: `${Date.parse("2026-12-31T23:59:00+09:00")}.${Date.now()}`, url: base }]);
      const page = await context.newPage();
      await page.goto(`${base}/`);
      await expect(page.getByRole("heading", { name: "お客様サポート", level: 1 })).toBeVisible();
      await expect(page.getByTestId("simulated-clock")).toHaveCount(0);
      await context.close();
    } finally {
      const exited = server.exitCode !== null || server.signalCode !== null ? Promise.resolve() : new Promise((resolve) => server.once("exit", resolve));
      server.kill("SIGTERM");
      await exited;
      await db.drop();
    }
  });
});
