import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openPostgres } from "@/lib/db";
import { log } from "@/lib/log";
import { readMigrations } from "@/lib/migrate";
import { DatabaseUnavailable, readiness, setBootPhase, waitForDatabase } from "@/lib/readiness";
import { freePort } from "../fixtures/net";
import { installTestSecrets } from "@/testing/changes";
import { createTestDatabase, testDbKind, type TestDatabase } from "../helpers/db";

// Ready means ready (issue 15, item 2): GET /api/ready's answer, and the bounded wait for the
// database at start.
installTestSecrets();
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  setBootPhase("starting");
  await database?.close();
});

describe("readiness (GET /api/ready)", () => {
  it("is 503 while the start runs, 200 once it is done, and 503 naming the pending migration when the schema is behind", async () => {
    setBootPhase("starting");
    expect(await readiness(() => database)).toEqual({ ready: false, reason: "starting" });
    setBootPhase("ready");
    expect(await readiness(() => database)).toEqual({ ready: true, database: testDbKind === "postgres" ? "postgres" : "pglite", schema: readMigrations().at(-1)!.name });
    await database.sql.query(`UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = '20261201000000_system_setting'`);
    expect(await readiness(() => database)).toEqual({ ready: false, reason: "schema", pending: ["20261201000000_system_setting"] });
    await database.sql.query(`UPDATE "_prisma_migrations" SET rolled_back_at = NULL WHERE migration_name = '20261201000000_system_setting'`);
    expect((await readiness(() => database)).ready).toBe(true);
  });

  it("is 503 with the driver's code when the database does not answer", async () => {
    setBootPhase("ready");
    const down = openPostgres(`postgresql://nobody@127.0.0.1:${await freePort()}/none`);
    try {
      expect(await readiness(() => down)).toEqual({ ready: false, reason: "database", code: "ECONNREFUSED" });
    } finally {
      await down.close();
    }
  });
});

describe("waitForDatabase at start", () => {
  it("retries a refused connection with backoff, one log line per try, up to DATABASE_WAIT_SECONDS, then names it", async () => {
    const down = openPostgres(`postgresql://nobody@127.0.0.1:${await freePort()}/none`);
    const warn = vi.spyOn(log, "warn");
    let t = 0;
    const sleeps: number[] = [];
    try {
      const error = await waitForDatabase(down, 10, { now: () => t, sleep: async (ms) => void (sleeps.push(ms), (t += ms)) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseUnavailable);
      expect((error as Error).message).toMatch(/^the database did not answer within DATABASE_WAIT_SECONDS=10 s \(5 tries; last error: .*\(ECONNREFUSED\)\)$/);
      expect(sleeps).toEqual([500, 1000, 2000, 4000]);
      expect(warn.mock.calls.map((c) => (c[0] as { attempt: number }).attempt)).toEqual([1, 2, 3, 4]);
      expect(warn.mock.calls.every((c) => c[1] === "database not answering at start; retrying")).toBe(true);
    } finally {
      await down.close();
    }
  });

  it("does not retry what waiting cannot fix (no such database)", async () => {
    if (testDbKind !== "postgres") return;
    const u = new URL(database.url!);
    u.pathname = "/no_such_database_here";
    const wrong = openPostgres(u.toString());
    try {
      const sleeps: number[] = [];
      await expect(waitForDatabase(wrong, 60, { now: () => 0, sleep: async (ms) => void sleeps.push(ms) })).rejects.toThrow(/refused the connection: .*\(3D000\)/);
      expect(sleeps).toEqual([]);
    } finally {
      await wrong.close();
    }
  });

  it("a worker whose database stays down exits after DATABASE_WAIT_SECONDS with a clear message", async () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
      env: { ...process.env, DATABASE_URL: `postgresql://nobody@127.0.0.1:${await freePort()}/none`, DATABASE_WAIT_SECONDS: "0", LOG_LEVEL: "warn", APP_NOW: "" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^The worker cannot start: the database did not answer within DATABASE_WAIT_SECONDS=0 s \(1 try; last error: .*\(ECONNREFUSED\)\)$/);
  });

  it.runIf(testDbKind === "postgres")("a worker started while its database is down waits, then runs once the database comes up", { timeout: 120_000 }, async () => {
    const port = await freePort();
    const dir = mkdtempSync(path.join(tmpdir(), "selfcare-pg-late-"));
    const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
    const worker = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
      env: { ...process.env, DATABASE_URL: url, DATABASE_WAIT_SECONDS: "600", LOG_LEVEL: "info", APP_NOW: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const lines = new Promise<void>((resolve) => {
      const on = (d: Buffer) => {
        out += d.toString();
        if (out.includes('"worker ready"')) resolve();
      };
      worker.stdout.on("data", on);
      worker.stderr.on("data", on);
    });
    const exited = new Promise((resolve) => worker.once("exit", resolve));
    try {
      await vi.waitUntil(() => out.includes("database not answering at start; retrying"), { timeout: 60_000, interval: 100 });
      const started = spawn("scripts/pg-server.sh", ["start", dir, String(port)], { stdio: "ignore" });
      await new Promise((resolve) => started.once("exit", resolve));
      await lines;
      const tries = out.split("\n").filter((l) => l.includes("database not answering at start; retrying"));
      expect(tries.length).toBeGreaterThanOrEqual(1);
      for (const line of tries) expect(JSON.parse(line)).toMatchObject({ level: 40, errCode: "ECONNREFUSED" });
      expect(out).toContain('"database answered"');
    } finally {
      worker.kill("SIGTERM");
      await exited;
      await new Promise((resolve) => spawn("scripts/pg-server.sh", ["stop", dir], { stdio: "ignore" }).once("exit", resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
