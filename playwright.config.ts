import { existsSync } from "node:fs";
import { defineConfig, devices } from "@playwright/test";

// Against a running environment: BASE_URL=https://… (and MAIL_CAPTURE_URL for its mail capture).
// Otherwise the suite starts the production build on 127.0.0.1:3100 with a fresh embedded
// database, a real SMTP capture server, and the clock at APP_NOW.
const externalBase = process.env.BASE_URL;
const port = Number(process.env.E2E_PORT ?? 3100);
const smtpPort = Number(process.env.MAIL_CAPTURE_SMTP_PORT ?? 2525);
const mailHttpPort = Number(process.env.MAIL_CAPTURE_HTTP_PORT ?? 2526);
// One data folder per port, so two suites on different ports (E2E_PORT) never share a database.
const e2eData = `.tmp/e2e-data-${port}`;
process.env.MAIL_CAPTURE_URL ??= `http://127.0.0.1:${mailHttpPort}`;
export const E2E_APP_NOW = process.env.E2E_APP_NOW ?? "2026-11-25T14:00:00+09:00";
const chromium = process.env.CHROMIUM_PATH ?? (existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined);

export default defineConfig({
  testDir: "tests/e2e",
  outputDir: "test-results",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: process.env.CI ? 2 : 2,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  use: {
    baseURL: externalBase ?? `http://127.0.0.1:${port}`,
    locale: "ja-JP",
    timezoneId: "Asia/Tokyo",
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: chromium
      ? {
          executablePath: chromium,
          env: { ...process.env, XDG_CONFIG_HOME: ".chromium/config", XDG_CACHE_HOME: ".chromium/cache" },
          args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        }
      : undefined,
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"] } }],
  webServer: externalBase
    ? undefined
    : [
        {
          command: "node_modules/.bin/tsx tests/fixtures/mail-capture.ts",
          url: `http://127.0.0.1:${mailHttpPort}/health`,
          env: { MAIL_CAPTURE_SMTP_PORT: String(smtpPort), MAIL_CAPTURE_HTTP_PORT: String(mailHttpPort) },
          reuseExistingServer: false,
          timeout: 30_000,
        },
        {
          command: `rm -rf ${e2eData} && node_modules/.bin/tsx scripts/serve.ts`,
          // ready = migrations, demo data and the background loops done, not merely answering
          url: `http://127.0.0.1:${port}/api/ready`,
          reuseExistingServer: false,
          timeout: 120_000,
          env: {
            APP_ENV: "test",
            HOST: "127.0.0.1",
            PORT: String(port),
            DATA_DIR: e2eData,
            SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
            APP_NOW: E2E_APP_NOW,
            NEXTAUTH_URL: `http://127.0.0.1:${port}`,
            TEST_API_TOKEN: "e2e-test-token",
            // Each test browses from an address of its own (X-Forwarded-For, see tests/e2e/fixtures.ts),
            // as real customers do, so the per-address login limit applies per test, not to the suite.
            TRUST_PROXY: "true",
            WORKER_POLL_MS: "500",
            OUTBOX_POLL_MS: "300",
            NEXT_TELEMETRY_DISABLED: "1",
            LOG_LEVEL: "warn",
          },
        },
      ],
});
