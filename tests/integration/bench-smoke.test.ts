import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { resetEnvCache } from "@/lib/env";
import { checkBatch, makeProvisioner, profiled, refusing, runBaseline, runWorker, seedBatch, seedSubscribers, type ProvisionerKind } from "@/scripts/bench/batch";
import { runLatency } from "@/scripts/bench/latency";
import { pageWeights, weightReport, type RouteWeight } from "@/scripts/bench/page-weight";
import { mergeMarkdown, type SectionReport } from "@/scripts/bench/report";
import { measureScale, scaleReport } from "@/scripts/bench/scale";
import { scaleNumber, scaleSelfcareId, seedScale, SCALE_HISTORY_END } from "@/scripts/bench/scale-seed";
import { freePort } from "../fixtures/net";
import type { Machine } from "@/scripts/bench/setup";
import { installTestSecrets } from "@/testing/changes";
import { createKamailioSchema, haveKamailioSchema } from "@/scripts/kamailio-schema";
import { createScratchDatabase } from "../fixtures/pg-database";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

// `npm run bench` in miniature, so that its code cannot rot: the 17:30 batch with a handful of
// changes through the real worker and through the baseline of the product's write statements (both must leave the same
// registrar rows and change rows), the latency harness for a second, the page-weight arithmetic and
// the report's merge into docs/benchmarks.md. Correctness only; no timing is asserted.
installTestSecrets();

const N = 45;
const BATCH = 16; // three batches, the last one short
const password = (i: number) => `pw${String(i).padStart(4, "0")}xy`;
const kamailioServer = process.env.TEST_DATABASE_URL && haveKamailioSchema() ? process.env.TEST_DATABASE_URL : undefined;

const opened: TestDatabase[] = [];
const kamailioDbs: { drop: () => Promise<void> }[] = [];
afterAll(async () => {
  for (const d of opened) await d.close();
  for (const d of kamailioDbs) await d.drop();
});

/** A registrar database with Kamailio's schema on the TEST_DATABASE_URL server. */
async function kamailioDatabase(): Promise<string> {
  const db = await createScratchDatabase(kamailioServer!, `kam_${Math.random().toString(36).slice(2, 10)}`);
  kamailioDbs.push(db);
  await createKamailioSchema(db.url);
  return db.url;
}

async function subscriberRows(url: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(`SELECT username, domain, password, ha1, ha1b FROM subscriber ORDER BY username, domain`)).rows;
  } finally {
    await c.end();
  }
}

/** What a finished run leaves in the portal database, keyed by line number (ids differ between databases). */
async function portalState(database: TestDatabase) {
  const changes = await database.sql.query(
    `SELECT l.number, pc.status, pc.credential IS NULL AS erased, pc.attempts, pc."appliedAt", pc."lastError"
       FROM "PasswordChange" pc JOIN "Line" l ON l.id = pc."lineId" ORDER BY l.number`,
  );
  const registrar = await database.sql.query<{ username: string; lastChangeId: string }>(
    `SELECT rc.username, rc.realm, rc.ha1, rc.ha1b, rc."updatedAt", (rc."lastChangeId" = pc.id) AS "ownChange"
       FROM "RegistrarCredential" rc JOIN "Line" l ON l.number = rc.username JOIN "PasswordChange" pc ON pc."lineId" = l.id ORDER BY rc.username`,
  );
  return { changes, registrar };
}

async function drainBoth(provisioner: ProvisionerKind) {
  const worker = await createTestDatabase();
  opened.push(worker);
  const workerRows = await seedBatch(worker, N, { password, chunk: 20 });
  const baseline = await createTestDatabase();
  opened.push(baseline);
  const baselineRows = await seedBatch(baseline, N, { password, chunk: 20 });
  expect(baselineRows.map((r) => [r.username, r.ha1, r.ha1b])).toEqual(workerRows.map((r) => [r.username, r.ha1, r.ha1b]));

  const [workerKam, baselineKam] = provisioner === "kamailio" ? [await kamailioDatabase(), await kamailioDatabase()] : [undefined, undefined];
  if (workerKam && baselineKam) {
    await seedSubscribers(workerKam, workerRows);
    await seedSubscribers(baselineKam, baselineRows);
  }

  const timed = profiled(worker, makeProvisioner(provisioner, workerKam));
  const w = await runWorker({ database: timed.database, provisioner: timed.provisioner, batchSize: BATCH, expected: N });
  await timed.provisioner.close?.();
  const b = await runBaseline({ database: baseline, rows: baselineRows, batchSize: BATCH, provisioner, kamailioUrl: baselineKam });
  expect([w.n, b.n]).toEqual([N, N]);
  expect(b.batches).toBe(Math.ceil(N / BATCH));
  // Every statement kind the worker sends was timed.
  const kinds = ["claim", "mark applied", "audit rows", "outbox emails", provisioner === "internal" ? "registrar upsert" : "kamailio provision"];
  for (const k of kinds) expect(timed.profile.get(k)?.n, k).toBeGreaterThanOrEqual(Math.ceil(N / BATCH));

  const workerCheck = await checkBatch(worker, { provisioner, kamailioUrl: workerKam, rows: workerRows });
  const baselineCheck = await checkBatch(baseline, { provisioner, kamailioUrl: baselineKam, rows: baselineRows });
  expect(workerCheck).toEqual({ applied: N, pending: 0, withCredential: 0, registrar: N, auditApplied: N, mailApplied: N, failed: 0, mailFailed: 0 });
  expect(baselineCheck).toEqual({ applied: N, pending: 0, withCredential: 0, registrar: N, auditApplied: 0, mailApplied: 0, failed: 0, mailFailed: 0 });
  return { worker, baseline, workerKam, baselineKam };
}

describe("bench smoke: the 17:30 batch", () => {
  it("1 % refused (here 3 of 45): the worker applies the others, exactly the refused ones are FAILED and emailed", async () => {
    const database = await createTestDatabase();
    opened.push(database);
    const rows = await seedBatch(database, N, { password, chunk: 20 });
    const bad = new Set([rows[4]!.id, rows[20]!.id, rows[44]!.id]);
    const w = await runWorker({ database, provisioner: refusing(makeProvisioner("internal"), bad), batchSize: BATCH, expected: N, expectedFailed: bad.size });
    expect(w.n).toBe(N - bad.size);
    const check = await checkBatch(database, { provisioner: "internal", rows });
    expect(check).toEqual({ applied: N - 3, pending: 0, withCredential: 3, registrar: N - 3, auditApplied: N - 3, mailApplied: N - 3, failed: 3, mailFailed: 3 });
    // A run told to expect no failure refuses to report one.
    const again = await createTestDatabase();
    opened.push(again);
    await seedBatch(again, 5, { password, chunk: 5 });
    const [one] = await again.sql.query<{ id: string }>(`SELECT id FROM "PasswordChange" LIMIT 1`);
    await expect(runWorker({ database: again, provisioner: refusing(makeProvisioner("internal"), new Set([one!.id])), batchSize: BATCH, expected: 5 })).rejects.toThrow(/failures/);
  });

  it("internal provisioner: the worker and the baseline leave the same rows", async () => {
    const { worker, baseline } = await drainBoth("internal");
    const [a, b] = [await portalState(worker), await portalState(baseline)];
    expect(a.changes).toHaveLength(N);
    expect(a.registrar).toHaveLength(N);
    expect(a.registrar.every((r) => (r as { ownChange?: boolean }).ownChange)).toBe(true);
    expect(a).toEqual(b);
  });

  it.runIf(kamailioServer)("kamailio provisioner: the same subscriber rows either way", async () => {
    const { worker, baseline, workerKam, baselineKam } = await drainBoth("kamailio");
    const [a, b] = [await subscriberRows(workerKam!), await subscriberRows(baselineKam!)];
    expect(a).toHaveLength(N);
    expect(a).toEqual(b);
    expect((await portalState(worker)).changes).toEqual((await portalState(baseline)).changes);
  });
});

describe("bench smoke: IP_PHONE latency", () => {
  it("every change arriving at a steady rate is applied by the worker loop", async () => {
    process.env.WORKER_POLL_MS = "100";
    resetEnvCache();
    try {
      const database = await createTestDatabase();
      opened.push(database);
      const inserted = await runLatency({ database, mode: "insert", rate: 20, seconds: 1, pollMs: 100, batchSize: 200, drainMs: 20_000 });
      expect(inserted).toMatchObject({ offered: 20, accepted: 20, applied: 20, errors: 0 });
      expect(inserted.observed.max).toBeLessThan(20_000);
      const viaUseCase = await runLatency({ database, mode: "use-case", rate: 4, seconds: 1, pollMs: 100, batchSize: 200, drainMs: 20_000 });
      expect(viaUseCase).toMatchObject({ offered: 4, accepted: 4, applied: 4, errors: 0 });
      const [row] = await database.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "RegistrarCredential"`);
      expect(row?.n).toBe(24);
    } finally {
      delete process.env.WORKER_POLL_MS;
      resetEnvCache();
    }
  });
});

describe("bench smoke: page weight and the report", () => {
  it("sums each route's chunks gzipped, and finds the ones every route shares", () => {
    const dist = mkdtempSync(path.join(tmpdir(), "bench-weight-"));
    try {
      mkdirSync(path.join(dist, "static/chunks"), { recursive: true });
      const files = { a: "a".repeat(5000) + Math.random(), b: Array.from({ length: 3000 }, (_, i) => i.toString(36)).join(",") };
      for (const [n, text] of Object.entries(files)) writeFileSync(path.join(dist, `static/chunks/${n}.js`), text);
      const gz = (s: string) => gzipSync(Buffer.from(s), { level: 9 }).length / 1000;
      const scripts = new Map([
        ["/menu", { finalPath: "/menu", chunks: ["/_next/static/chunks/a.js"] }],
        ["/password", { finalPath: "/login", chunks: ["/_next/static/chunks/a.js", "/_next/static/chunks/b.js"] }],
      ]);
      const [menu, pw] = pageWeights(dist, scripts);
      expect(menu).toMatchObject({ route: "/menu", chunks: 1, gzipKb: gz(files.a), rawKb: files.a.length / 1000, sharedGzipKb: gz(files.a), frameworkGzipKb: 0 });
      expect(pw).toMatchObject({ route: "/password", finalPath: "/login", chunks: 2 });
      expect(pw!.gzipKb).toBeCloseTo(gz(files.a) + gz(files.b), 6);
      // The framework's chunks (the build manifest's rootMainFiles) are told apart from the route's own.
      const [withFramework] = pageWeights(dist, scripts, new Set(["/_next/static/chunks/a.js"]));
      expect(withFramework!.frameworkGzipKb).toBe(gz(files.a));
      expect(() => pageWeights(dist, new Map([["/x", { finalPath: "/x", chunks: ["/_next/static/chunks/missing.js"] }]]))).toThrow(/missing\.js/);
    } finally {
      rmSync(dist, { recursive: true, force: true });
    }
  });

  it("reads each chunk from its own build folder, even where two builds name a chunk alike", () => {
    const [one, two] = [mkdtempSync(path.join(tmpdir(), "bench-weight-")), mkdtempSync(path.join(tmpdir(), "bench-weight-"))];
    try {
      const texts = ["x".repeat(4000), Array.from({ length: 4000 }, (_, i) => (i * 7919).toString(36)).join("")];
      [one, two].forEach((dist, i) => {
        mkdirSync(path.join(dist, "static/chunks"), { recursive: true });
        writeFileSync(path.join(dist, "static/chunks/same.js"), texts[i]!);
      });
      const scripts = new Map([["/", { finalPath: "/", chunks: ["/_next/static/chunks/same.js"] }]]);
      const gz = (s: string) => gzipSync(Buffer.from(s), { level: 9 }).length / 1000;
      expect(pageWeights(one, scripts)[0]!.gzipKb).toBe(gz(texts[0]!));
      expect(pageWeights(two, scripts)[0]!.gzipKb).toBe(gz(texts[1]!));
    } finally {
      for (const dist of [one, two]) rmSync(dist, { recursive: true, force: true });
    }
  });

  it("reports each route against the target and against an empty Next.js page, or says why the floor is missing", () => {
    const w = (route: string, gzipKb: number, frameworkGzipKb = 131.9): RouteWeight => ({ route, finalPath: route, chunks: 7, rawKb: gzipKb * 3, gzipKb, sharedGzipKb: 135.4, frameworkGzipKb });
    const weights = [w("/password", 175.6), w("/", 138.7), w("/login", 129.5)];
    const report = weightReport(weights, w("(empty page)", 135.0, 131.5), 1000);
    const lines = report.markdown.split("\n").filter((l) => l.startsWith("| /") || l.startsWith("| an empty"));
    // In the customer routes' order, the empty page last; "over an empty page" is the difference.
    expect(lines).toEqual([
      "| / | 138.7 | 131.9 | 6.8 | 3.7 | 416.1 | 7 | ✗ |",
      "| /login | 129.5 | 131.9 | -2.4 | -5.5 | 388.5 | 7 | ✓ |",
      "| /password | 175.6 | 131.9 | 43.7 | 40.6 | 526.8 | 7 | ✗ |",
      "| an empty Next.js page | 135.0 | 131.5 | 3.5 | 0.0 | 405.0 | 7 | ✗ |",
    ]);
    expect(report.markdown).toContain("it loads 135.0 kB, so no App Router page built with this Next.js can be at or under 130 kB");
    expect(report.markdown).toContain("the App Router's client components (3.5 kB on an empty page)");
    expect(report.missed).toEqual(["/ 138.7 kB", "/password 175.6 kB"]);
    expect(report.met).toEqual([]);

    const without = weightReport(weights, new Error("next build exited 1:\nsome output"), 1000);
    expect(without.markdown).not.toContain("over an empty page");
    expect(without.markdown).toContain("could not be measured in this run: next build exited 1:");
    expect(without.markdown).not.toContain("some output");
    expect(without.markdown).toContain("| /password | 175.6 | 131.9 | 43.7 | 526.8 | 7 | ✗ |");
    expect(weightReport([w("/", 120)], w("(empty page)", 110, 105), 1).met).toEqual(["every customer route ≤ 130 kB gzip"]);
  });

  it("replaces only the blocks of the sections that ran, keeping the text around them", () => {
    const machine: Machine = { cpu: "Test CPU", cores: 2, ramGb: 4, node: "v20", postgres: "15", os: "Linux", date: "2026-11-25T00:00:00Z", busyBeforeCores: 0, busyTop: [] };
    const report = (id: SectionReport["id"], body: string): SectionReport => ({ id, title: id, runtimeMs: 1500, markdown: body, console: body, met: ["ok"], missed: [] });
    const first = mergeMarkdown("", [report("batch", "BATCH-1"), report("http", "HTTP-1")], machine, { quick: false, totalMs: 3000 });
    expect(first).toContain("BATCH-1");
    expect(first).toContain("Test CPU, 2 cores");
    const edited = first.replace("## IP_PHONE latency", "Analysis written by hand.\n\n## IP_PHONE latency");
    const second = mergeMarkdown(edited, [report("batch", "BATCH-2")], machine, { quick: true, totalMs: 2000 });
    expect(second).toContain("BATCH-2");
    expect(second).not.toContain("BATCH-1");
    expect(second).toContain("HTTP-1");
    expect(second).toContain("Analysis written by hand.");
    expect(second.match(/bench:batch:begin/g)).toHaveLength(1);
  });
});

describe("bench smoke: carrier scale", () => {
  it("seeds a small year in SQL and measures every path through the real code (search, customer page and paths, batch, outbox, retention)", { timeout: 300_000 }, async () => {
    const database = await createTestDatabase();
    opened.push(database);
    const n = 2_000;
    const counts = await seedScale(database, n);
    const count = async (table: string) => (await database.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}"`))[0]!.n;
    expect({ customers: await count("Customer"), lines: await count("Line"), changes: await count("PasswordChange"), audit: await count("AuditEvent"), emails: await count("OutboxEmail") }).toEqual({
      customers: n,
      lines: n,
      changes: counts.changes,
      audit: counts.audit,
      emails: counts.emails,
    });
    // Every secondary index is back after the bulk load.
    const indexes = await database.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_indexes WHERE indexname IN ('Customer_email_trgm_idx', 'AuditEvent_selfcareId_at_idx', 'PasswordChange_lineId_requestedAt_idx')`);
    expect(indexes[0]!.n).toBe(3);
    const c = await database.prisma.customer.findUniqueOrThrow({ where: { selfcareId: scaleSelfcareId(17) }, include: { lines: true } });
    expect(c.lines.map((l) => l.number)).toEqual([scaleNumber(17)]);

    const cutoff = new Date(SCALE_HISTORY_END.getTime() - 335 * 86_400_000); // the measured retention: the oldest month of audit
    const dueAudit = (await database.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "AuditEvent" WHERE at < $1`, [cutoff]))[0]!.n;
    expect(dueAudit).toBeGreaterThan(0);
    const r = await measureScale(database, counts, { n, iterations: 2, batchN: 60, smtpPort: await freePort(), outboxSeconds: 120, retentionRows: 50_000 });
    expect(r.search.map((s) => s.n)).toEqual(r.search.map(() => 2));
    expect(r.search.find((s) => s.name === "exact self-care ID")?.note).toBe("1.0 rows/call");
    expect(r.search.find((s) => s.name === "no match")?.note).toBe("0.0 rows/call");
    expect(r.customer.map((s) => s.n)).toEqual([2, 2, 2, 2, 2]);
    expect(r.batch.n).toBe(60);
    expect(r.batch.claim.n).toBeGreaterThanOrEqual(1);
    // Every email of the batch went out, and the SMTP server received each once.
    expect(r.outbox).toMatchObject({ n: r.outbox.queued, received: r.outbox.queued });
    expect(r.outbox.queued).toBeGreaterThanOrEqual(60);
    expect(r.retention.find((x) => x.target === "audit_event")?.rows).toBe(dueAudit);
    expect((await database.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "AuditEvent" WHERE at < $1`, [cutoff]))[0]!.n).toBe(0);
    expect(r.partitionDrop?.rows).toBe(dueAudit);

    const report = scaleReport({ ...r, seedMs: 1, databaseBytes: null }, 1000);
    expect(report.id).toBe("scale");
    expect(report.markdown).toContain("exact self-care ID");
    expect(report.met.length + report.missed.length).toBe(r.search.length + 1 + r.customer.length + 3);
    const merged = mergeMarkdown("", [report], { cpu: "x", cores: 2, ramGb: 1, os: "y", node: "20", postgres: "15", date: "d", busyBeforeCores: 0, busyTop: [] }, { quick: true, totalMs: 1 });
    expect(merged).toContain("<!-- bench:scale:begin -->");
  });
});
