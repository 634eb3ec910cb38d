import { afterEach, describe, expect, it } from "vitest";
import { resetEnvCache } from "@/lib/env";
import { metricsAccess } from "@/lib/metrics";
import { routeLabeler } from "@/lib/web/route-label";

const withEnv = (vars: Record<string, string | undefined>) => {
  for (const [k, v] of Object.entries(vars)) if (v === undefined) delete process.env[k];
  else process.env[k] = v;
  resetEnvCache();
};
const saved = { APP_ENV: process.env.APP_ENV, METRICS_TOKEN: process.env.METRICS_TOKEN };
afterEach(() => withEnv(saved));

describe("who may read /metrics", () => {
  it("outside production without a token: loopback only", () => {
    withEnv({ APP_ENV: "test", METRICS_TOKEN: undefined });
    expect(metricsAccess(null, "127.0.0.1")).toEqual({ ok: true });
    expect(metricsAccess(null, "::1")).toEqual({ ok: true });
    expect(metricsAccess(null, "::ffff:127.0.0.1")).toEqual({ ok: true });
    expect(metricsAccess(null, "192.0.2.7")).toMatchObject({ ok: false, status: 403 });
    expect(metricsAccess(null, null)).toMatchObject({ ok: false, status: 403 });
  });

  it("with METRICS_TOKEN: the bearer token, from anywhere, and nothing else (not even loopback)", () => {
    withEnv({ APP_ENV: "test", METRICS_TOKEN: "t".repeat(24) });
    expect(metricsAccess(`Bearer ${"t".repeat(24)}`, "192.0.2.7")).toEqual({ ok: true });
    expect(metricsAccess(`Bearer ${"t".repeat(23)}`, "192.0.2.7")).toMatchObject({ ok: false, status: 401 });
    expect(metricsAccess("t".repeat(24), "192.0.2.7")).toMatchObject({ ok: false, status: 401 });
    expect(metricsAccess(null, "127.0.0.1")).toMatchObject({ ok: false, status: 401 });
  });

  it("in production: closed without METRICS_TOKEN, even on loopback", () => {
    // metricsAccess reads env(); production needs its required variables to parse
    const production = { APP_ENV: "production", METRICS_TOKEN: undefined, NEXTAUTH_SECRET: "s".repeat(48), CREDENTIAL_KEY: "ab".repeat(32), SMTP_URL: "smtp://x", NEXTAUTH_URL: "https://x.example.jp", DATABASE_URL: "postgresql://x@y/z" };
    const before = Object.fromEntries(Object.keys(production).map((k) => [k, process.env[k]]));
    withEnv(production);
    try {
      expect(metricsAccess(null, "127.0.0.1")).toMatchObject({ ok: false, status: 403, reason: expect.stringContaining("METRICS_TOKEN") });
    } finally {
      withEnv(before);
    }
  });
});

describe("route labels", () => {
  const label = routeLabeler({
    staticRoutes: [{ page: "/", regex: "^/(?:/)?$" }, { page: "/login", regex: "^/login(?:/)?$" }],
    dynamicRoutes: [{ page: "/staff/customers/[id]", regex: "^/staff/customers/([^/]+?)(?:/)?$" }],
  });
  it("names the route pattern, never the path's values", () => {
    expect(label("/")).toBe("/");
    expect(label("/login")).toBe("/login");
    expect(label("/staff/customers/6f1c0a3e-1111-2222-3333-444455556666")).toBe("/staff/customers/[id]");
    expect(label("/_next/static/chunks/x.js")).toBe("/_next");
    expect(label("/wp-admin/../etc/passwd")).toBe("(unmatched)");
  });
});
