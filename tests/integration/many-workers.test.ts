import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { installTestSecrets, seedDueChanges, TEST_CREDENTIAL_KEY_HEX, type SeededChange } from "@/testing/changes";
import { createTestDatabase, testDbKind, type TestDatabase } from "../helpers/db";

// Several worker *processes* share one PostgreSQL database through FOR UPDATE SKIP LOCKED.
// Each provisioning call is counted in provision_calls, written in the worker's own transaction:
// a batch that rolls back (or dies with its process) leaves no count behind.
installTestSecrets();
const ROOT = path.resolve(import.meta.dirname, "../..");
const CHANGES = 10_000;
const T0 = new Date("2026-11-25T05:00:00.000Z"); // 14:00 in Japan: every seeded change is due
const WORKER_NOW = new Date(T0.getTime() + 60_000).toISOString();

interface WorkerProcess {
  name: string;
  child: ChildProcessWithoutNullStreams;
  /** The worker's own pid (tsx runs the script in a child of the pid we spawned). */
  ready: Promise<number>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  inflight: string[][];
  onInflight?: (ids: string[]) => void;
  stderr: string[];
}

const running: WorkerProcess[] = [];
const databases: TestDatabase[] = [];

function startWorker(name: string, url: string, env: Record<string, string> = {}): WorkerProcess {
  const u = new URL(url);
  u.searchParams.set("application_name", `reflection-${name}`);
  const child = spawn(path.join(ROOT, "node_modules/.bin/tsx"), ["tests/fixtures/reflection-worker-process.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: u.toString(),
      CREDENTIAL_KEY: TEST_CREDENTIAL_KEY_HEX,
      WORKER_NAME: name,
      WORKER_NOW,
      WORKER_BATCH_SIZE: "200",
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const w: WorkerProcess = {
    name,
    child,
    ready: Promise.resolve(0),
    exited: new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal }))),
    inflight: [],
    stderr: [],
  };
  w.ready = new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`worker ${name} exited (${code}) before it was ready: ${w.stderr.join("")}`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (line.startsWith("ready ")) resolve(Number(line.slice(6)));
      else if (line.startsWith("inflight ")) {
        const ids = JSON.parse(line.slice(9)) as string[];
        w.inflight.push(ids);
        w.onInflight?.(ids);
      }
    });
  });
  w.ready.catch(() => undefined);
  child.stderr.on("data", (d: Buffer) => w.stderr.push(d.toString()));
  running.push(w);
  return w;
}

async function exitedWithin(w: WorkerProcess, ms: number) {
  const timeout = sleep(ms).then(() => {
    throw new Error(`worker ${w.name} still running after ${ms} ms; stderr: ${w.stderr.join("")}`);
  });
  return Promise.race([w.exited, timeout]);
}

async function freshDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase();
  databases.push(database);
  await database.sql.query(`CREATE TABLE provision_calls (change_id uuid NOT NULL, worker text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())`);
  return database;
}

async function seed(database: TestDatabase): Promise<SeededChange[]> {
  const started = Date.now();
  const changes = await seedDueChanges(database, { count: CHANGES, requestedAt: T0 });
  console.info(`seeded ${CHANGES} due changes in ${Date.now() - started} ms`);
  return changes;
}

const one = async <R>(database: TestDatabase, sql: string, params: unknown[] = []) => (await database.sql.query<R>(sql, params))[0]!;

/** Everything "exactly once" means, checked in the database. */
async function expectEachAppliedOnce(database: TestDatabase, changes: SeededChange[]) {
  const ids = changes.map((c) => c.id);
  const statuses = await database.sql.query<{ status: string; n: string }>(
    `SELECT status, count(*) AS n FROM "PasswordChange" WHERE id = ANY($1::uuid[]) GROUP BY status`,
    [ids],
  );
  expect(Object.fromEntries(statuses.map((s) => [s.status, Number(s.n)]))).toEqual({ APPLIED: CHANGES });
  expect(Number((await one<{ n: string }>(database, `SELECT count(*) AS n FROM "PasswordChange" WHERE status = 'PENDING' OR credential IS NOT NULL`)).n)).toBe(0);

  const calls = await one<{ n: string; d: string }>(database, `SELECT count(*) AS n, count(DISTINCT change_id) AS d FROM provision_calls`);
  expect({ calls: Number(calls.n), distinct: Number(calls.d) }).toEqual({ calls: CHANGES, distinct: CHANGES });

  const audits = await one<{ n: string; d: string }>(
    database,
    `SELECT count(*) AS n, count(DISTINCT details->>'changeId') AS d FROM "AuditEvent" WHERE type = 'CHANGE_APPLIED'`,
  );
  expect({ audits: Number(audits.n), distinct: Number(audits.d) }).toEqual({ audits: CHANGES, distinct: CHANGES });

  // One customer per seeded change, so "one email per customer" is "one email per change".
  const mails = await one<{ n: string; d: string }>(
    database,
    `SELECT count(*) AS n, count(DISTINCT "customerId") AS d FROM "OutboxEmail" WHERE kind = 'CHANGE_APPLIED'`,
  );
  expect({ mails: Number(mails.n), distinct: Number(mails.d) }).toEqual({ mails: CHANGES, distinct: CHANGES });

  // The registrar holds exactly the new credential of every line.
  const wrong = await one<{ n: string }>(
    database,
    `SELECT count(*) AS n FROM unnest($1::text[], $2::text[], $3::uuid[]) AS e(username, ha1, change_id)
       LEFT JOIN "RegistrarCredential" r USING (username)
      WHERE r.ha1 IS DISTINCT FROM e.ha1 OR r."lastChangeId" IS DISTINCT FROM e.change_id`,
    [changes.map((c) => c.number), changes.map((c) => c.credential.ha1), ids],
  );
  expect(Number(wrong.n)).toBe(0);
}

afterEach(async () => {
  // Never leave a worker behind, whatever happened.
  for (const w of running.splice(0)) {
    const pid = await Promise.race([w.ready.catch(() => 0), sleep(100).then(() => 0)]);
    if (pid > 0) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
  }
});

afterAll(async () => {
  for (const d of databases) await d.close();
});

describe.skipIf(testDbKind !== "postgres")("many reflection worker processes (PostgreSQL only: PGlite is one process by design)", () => {
  it(`two worker processes apply ${CHANGES} due changes, each provisioned exactly once`, async () => {
    const database = await freshDatabase();
    const changes = await seed(database);
    const workers = [startWorker("A", database.url!, { WAIT_FOR_GO: "1" }), startWorker("B", database.url!, { WAIT_FOR_GO: "1" })];
    await Promise.all(workers.map((w) => w.ready));
    const started = Date.now();
    for (const w of workers) w.child.stdin.write("go\n");
    const exits = await Promise.all(workers.map((w) => exitedWithin(w, 80_000)));
    console.info(`2 workers drained ${CHANGES} changes in ${Date.now() - started} ms`);
    expect(exits, workers.map((w) => w.stderr.join("")).join("\n")).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);

    await expectEachAppliedOnce(database, changes);
    // Both processes really took part (SKIP LOCKED shared the work rather than one doing it all).
    const perWorker = await database.sql.query<{ worker: string; n: string }>(`SELECT worker, count(*) AS n FROM provision_calls GROUP BY worker ORDER BY worker`);
    expect(perWorker.map((r) => r.worker)).toEqual(["A", "B"]);
    for (const r of perWorker) expect(Number(r.n)).toBeGreaterThan(0);
  });

  it("kill -9 of a worker in the middle of a batch, then a new one: every change applied exactly once", async () => {
    const database = await freshDatabase();
    const changes = await seed(database);
    // The delay keeps each batch's transaction open for a while, so the kill lands inside one.
    const slow = { WAIT_FOR_GO: "1", PROVISION_DELAY_MS: "120" };
    const a = startWorker("A", database.url!, slow);
    const b = startWorker("B", database.url!, slow);
    const pidA = await a.ready;
    await b.ready;
    a.child.stdin.write("go\n");
    b.child.stdin.write("go\n");

    const applied = async () => Number((await one<{ n: string }>(database, `SELECT count(*) AS n FROM "PasswordChange" WHERE status = 'APPLIED'`)).n);
    const backendState = async () =>
      (await database.sql.query<{ state: string }>(`SELECT state FROM pg_stat_activity WHERE application_name = 'reflection-A' AND state LIKE '%transaction%'`))[0]?.state;

    // Wait until some batches are committed, then kill A while it holds a batch in an open transaction.
    const deadline = Date.now() + 60_000;
    let killedBatch: string[] | undefined;
    let appliedAtKill = 0;
    while (!killedBatch) {
      if (Date.now() > deadline) throw new Error("worker A never reached the middle of the stream");
      const batch = await Promise.race([
        new Promise<string[]>((resolve) => (a.onInflight = resolve)),
        a.exited.then((e) => {
          throw new Error(`worker A ended (${JSON.stringify(e)}) before it could be killed: ${a.stderr.join("")}`);
        }),
        sleep(5_000).then(() => null),
      ]);
      if (!batch) continue;
      appliedAtKill = await applied();
      if (appliedAtKill < 1_000) continue;
      if ((await backendState()) !== "idle in transaction") continue;
      process.kill(pidA, "SIGKILL");
      killedBatch = batch;
    }
    a.onInflight = undefined;
    console.info(`killed worker A (pid ${pidA}) with ${appliedAtKill} changes applied and a batch of ${killedBatch.length} in flight`);
    expect(appliedAtKill).toBeLessThan(CHANGES);
    const exitA = await exitedWithin(a, 10_000);
    expect(exitA.code === 0 && exitA.signal === null, "worker A was killed, not finished").toBe(false);

    // PostgreSQL rolls the dead worker's transaction back as soon as its connection drops.
    const backendsOfA = async () => (await database.sql.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'reflection-A'`)).length;
    for (let i = 0; (await backendsOfA()) > 0; i++) {
      if (i > 200) throw new Error("the killed worker's transaction is still open");
      await sleep(50);
    }
    const c = startWorker("C", database.url!);
    const exits = await Promise.all([b, c].map((w) => exitedWithin(w, 80_000)));
    expect(exits, [b, c].map((w) => w.stderr.join("")).join("\n")).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);

    await expectEachAppliedOnce(database, changes);
    // A committed some batches before it died…
    const byWorker = await database.sql.query<{ worker: string; n: string }>(`SELECT worker, count(*) AS n FROM provision_calls GROUP BY worker`);
    const countOf = (name: string) => Number(byWorker.find((r) => r.worker === name)?.n ?? 0);
    expect(countOf("A")).toBeGreaterThan(0);
    // …but nothing of the batch it was killed in: that one was redone, once, by another worker.
    const redone = await database.sql.query<{ worker: string; n: string }>(
      `SELECT worker, count(*) AS n FROM provision_calls WHERE change_id = ANY($1::uuid[]) GROUP BY worker`,
      [killedBatch],
    );
    expect(redone.map((r) => r.worker)).not.toContain("A");
    expect(redone.reduce((s, r) => s + Number(r.n), 0)).toBe(killedBatch.length);
    expect(countOf("A") + countOf("B") + countOf("C")).toBe(CHANGES);
  });
});
