import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

// `npm start` itself (scripts/start.ts) refuses a bad configuration before building or serving,
// with a message naming the variable.
function start(env: Record<string, string>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !["APP_NOW", "PORT", "APP_ENV", "DATABASE_URL"].includes(k)));
  return spawnSync("node_modules/.bin/tsx", ["scripts/start.ts"], { env: { ...clean, ...env } as NodeJS.ProcessEnv, encoding: "utf8", timeout: 60_000 });
}

describe("npm start with a bad configuration", () => {
  it.each([
    [{ PORT: "abc" }, "PORT"],
    [{ APP_NOW: "yesterday" }, "APP_NOW"],
    [{ APP_ENV: "production", APP_NOW: "2026-11-25T14:00:00+09:00" }, "APP_NOW is not allowed in production"],
    [{ APP_ENV: "production" }, "NEXTAUTH_SECRET is required in production"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL"],
    [
      { APP_ENV: "production", NEXTAUTH_SECRET: "s".repeat(48), CREDENTIAL_KEY: "ab".repeat(32), SMTP_URL: "smtp://127.0.0.1:25", NEXTAUTH_URL: "https://selfcare.example.jp" },
      "DATABASE_URL is required in production",
    ],
  ])("%o stops with a message naming the variable", (env, expected) => {
    const r = start(env);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("Invalid configuration");
    expect(r.stderr).toContain(expected);
    expect(r.stdout).not.toContain("Building");
  });
});
