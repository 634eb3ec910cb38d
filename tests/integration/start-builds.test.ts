import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startNpmStart, type StartProcess } from "../fixtures/start-process";

// Build once, start many (issue 15, item 1): `npm start` builds only when no build of the current
// sources exists, never into a folder another instance serves, and never in production.
const tmp = path.resolve(".tmp");
mkdirSync(tmp, { recursive: true });
const runs: StartProcess[] = [];
const dirs: string[] = [];
function scratch(prefix: string): string {
  const d = mkdtempSync(path.join(tmp, prefix));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  await Promise.all(runs.map((r) => r.stop()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** GET's status on a connection of its own (no keep-alive: a pooled connection the server has just closed would fail the check, not the server). */
const status = (url: string) =>
  new Promise<number>((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on("error", reject);
  });

const PRODUCTION = {
  APP_ENV: "production",
  NEXTAUTH_SECRET: "s".repeat(48),
  CREDENTIAL_KEY: "0123456789abcdef".repeat(4),
  SMTP_URL: "smtp://127.0.0.1:1",
  DATABASE_URL: "postgresql://nobody@127.0.0.1:1/none",
};

describe("npm start and builds", () => {
  it("in production never builds, and says how to make a build", async () => {
    const builds = scratch("builds-");
    const r = await startNpmStart({ ...PRODUCTION, BUILD_DIR: builds });
    expect(await r.exited).toBe(1);
    expect(r.output()).toContain("npm run build");
    expect(r.output()).not.toContain("Building");
    expect(readdirSync(builds)).toEqual([]);
  });

  it("two starts at once of one checkout build once and both serve; a restart serves without a build", { timeout: 400_000 }, async () => {
    const builds = path.relative(process.cwd(), scratch("builds-"));
    const declaration = "messages/ja.d.json.ts";
    const declarationText = readFileSync(declaration, "utf8");
    const a = await startNpmStart({ BUILD_DIR: builds, DATA_DIR: scratch("data-a-") });
    const b = await startNpmStart({ BUILD_DIR: builds, DATA_DIR: scratch("data-b-") });
    runs.push(a, b);
    await Promise.all([a.waitFor("/login"), b.waitFor("/login")]);
    const outputs = [a.output(), b.output()];
    expect(outputs.filter((o) => o.includes("Building the portal"))).toHaveLength(1);
    expect(outputs.filter((o) => o.includes("waiting for it") || o.includes("no build"))).toHaveLength(1);
    const folders = readdirSync(builds).filter((f) => /^[0-9a-f]{16}$/.test(f));
    expect(folders).toHaveLength(1);
    // Each still serves after the other started (the original failure: the second rebuilt the first's folder).
    for (const r of [a, b]) expect(await status(`${r.baseUrl}/login`)).toBe(200);

    // next-intl rewrites the declaration whenever the config is loaded by a build; a rewrite is no reason to build.
    writeFileSync(declaration, declarationText);
    expect(await a.stop()).toBe(0);
    const c = await startNpmStart({ BUILD_DIR: builds, DATA_DIR: scratch("data-c-") });
    runs.push(c);
    await c.waitFor("/login");
    expect(c.output()).toContain(`Serving the build ${path.join(builds, folders[0]!)} (the sources are unchanged: no build)`);
    expect(c.output()).not.toContain("Building");
    expect(await status(`${b.baseUrl}/login`)).toBe(200);
    // and the served build is complete and untouched by the later starts
    expect(existsSync(path.join(builds, folders[0]!, ".build-complete"))).toBe(true);
  });
});
