import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "../fixtures/net";
import { expect, test } from "./fixtures";

// Ready means ready (issue 15, item 2), with the production build and a real PostgreSQL server that
// is down when the web server starts: liveness answers at once, readiness only once the database
// answers and the start is done, "Portal ready" only then; a database that never comes stops the
// start after DATABASE_WAIT_SECONDS with a clear message.
const hasPostgres = existsSync("/usr/lib/postgresql") && readdirSync("/usr/lib/postgresql").some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/pg_ctl`));
const pgServer = (...args: string[]) => spawnSync("scripts/pg-server.sh", args, { encoding: "utf8" });

interface Served {
  base: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

async function serve(env: Record<string, string>): Promise<Served> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/serve.ts"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, APP_ENV: "test", HOST: "127.0.0.1", PORT: String(port), NEXTAUTH_URL: base, APP_NOW: "", TEST_API_TOKEN: "", LOG_LEVEL: "info", ...env },
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { base, child, output: () => out, exited };
}

const status = (url: string) => fetch(url).then((r) => r.status, () => 0);

test.describe("readiness of the web server", () => {
  test.describe.configure({ timeout: 180_000 });
  test.skip(!hasPostgres, "PostgreSQL server binaries are not installed (apt-get install postgresql)");

  test("database down at start: /api/health 200, /api/ready 503 until it answers, then 200 and 'Portal ready'; 503 again when it goes away", async () => {
    const pgPort = await freePort();
    const dir = mkdtempSync(path.join(tmpdir(), "selfcare-ready-pg-"));
    const data = mkdtempSync(path.join(tmpdir(), "selfcare-ready-data-"));
    const s = await serve({ DATABASE_URL: `postgresql://postgres@127.0.0.1:${pgPort}/postgres`, DATABASE_WAIT_SECONDS: "600", DATA_DIR: data });
    try {
      await expect.poll(() => status(`${s.base}/api/health`), { timeout: 90_000, intervals: [250] }).toBe(200);
      const waiting = await fetch(`${s.base}/api/ready`);
      expect(waiting.status).toBe(503);
      expect(await waiting.json()).toEqual({ ready: false, reason: "starting" });
      // one line per try, each a JSON line
      await expect.poll(() => s.output().split("\n").filter((l) => l.includes("database not answering at start; retrying")).length, { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
      for (const line of s.output().split("\n").filter((l) => l.includes("retrying"))) expect(JSON.parse(line)).toMatchObject({ level: 40, errCode: "ECONNREFUSED" });
      expect(s.output()).not.toContain("Portal ready");

      expect(pgServer("start", dir, String(pgPort)).status).toBe(0);
      await expect.poll(() => status(`${s.base}/api/ready`), { timeout: 60_000, intervals: [250] }).toBe(200);
      await expect.poll(() => s.output(), { timeout: 10_000 }).toContain("Portal ready");
      const out = s.output();
      expect(out.indexOf("Portal ready")).toBeGreaterThan(out.indexOf('"migrations applied"'));
      expect(out.indexOf("Portal ready")).toBeGreaterThan(out.indexOf('"reflection worker started"'));
      expect(await (await fetch(`${s.base}/api/ready`)).json()).toMatchObject({ ready: true, database: "postgres" });

      // Logs an operator can use (item 5): one access line per request with its request id, sent back
      // as X-Request-Id (a proxy's id is kept, else one is made); every line JSON with ISO time, pid, host, instance.
      const given = await fetch(`${s.base}/login?callbackUrl=%2Fmenu`, { headers: { "x-request-id": "nginx-req-0123456789" } });
      expect(given.status).toBe(200);
      expect(given.headers.get("x-request-id")).toBe("nginx-req-0123456789");
      const made = (await fetch(`${s.base}/api/health`)).headers.get("x-request-id");
      expect(made).toMatch(/^[0-9a-f-]{36}$/);
      // Error codes are kept (they were "[redacted]"): the start-up retries above carry errCode
      // ECONNREFUSED. (An unreadable session cookie no longer reaches next-auth at all: the session
      // endpoint answers {} for it first, issue 14.)
      await expect.poll(() => s.output(), { timeout: 10_000 }).toContain(made!);
      const records = s.output().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
      for (const x of records) expect(x).toMatchObject({ time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/), pid: s.child.pid, hostname: expect.any(String), instance: expect.any(String) });
      expect(records.find((x) => x.reqId === "nginx-req-0123456789")).toMatchObject({ msg: "request", method: "GET", path: "/login", route: "/login", status: 200 });
      expect(records.find((x) => x.reqId === made)).toMatchObject({ msg: "request", route: "/api/health", status: 200 });
      expect(s.output()).not.toContain("callbackUrl");

      pgServer("stop", dir);
      const down = await fetch(`${s.base}/api/ready`);
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({ ready: false, reason: "database" });
      expect(await status(`${s.base}/api/health`)).toBe(200);
    } finally {
      s.child.kill("SIGTERM");
      await s.exited;
      pgServer("stop", dir);
      rmSync(dir, { recursive: true, force: true });
      rmSync(data, { recursive: true, force: true });
    }
  });

  test("a database that never answers stops the start after DATABASE_WAIT_SECONDS, naming it", async () => {
    const data = mkdtempSync(path.join(tmpdir(), "selfcare-ready-data-"));
    const s = await serve({ DATABASE_URL: `postgresql://postgres@127.0.0.1:${await freePort()}/postgres`, DATABASE_WAIT_SECONDS: "1", DATA_DIR: data });
    try {
      expect(await s.exited).toBe(1);
      expect(s.output()).toMatch(/The portal cannot start: the database did not answer within DATABASE_WAIT_SECONDS=1 s \(\d+ (try|tries); last error: .*\(ECONNREFUSED\)\)/);
      expect(s.output()).not.toContain("Portal ready");
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});
