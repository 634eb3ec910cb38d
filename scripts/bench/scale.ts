// The scale bench (issue 19): a database of N customers (one line each) and a year of history
// (scripts/bench/scale-seed.ts), then every figure of the issue measured through the real code —
// the functions the routes and server actions call — with p50/p95:
//   support search (exact ID, partial ID, partial email, partial number, no match, a fragment
//   matching everyone and its second page), the customer page (customerDetail) and its audit query
//   beside the old OR query, the customer paths (sign-in step, code step, menu, history, change
//   action), the start's existence check beside a count, the 17:30 batch through the worker (claim
//   per batch), the emails it queues through the outbox sender to an SMTP server that accepts at
//   once, and the retention job's batched deletes (beside dropping a month partition).
// Used by scripts/bench/index.ts (`--only scale`) and by tests/integration/bench-smoke.test.ts.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startLogin, verifyCode } from "@/lib/auth/login";
import { checkSession } from "@/lib/auth/session";
import { seal } from "@/lib/crypto/seal";
import type { Database, SqlQuery } from "@/lib/db";
import { changeLinePassword } from "@/lib/lines/change-password";
import { listOwnChanges } from "@/lib/lines/queries";
import { OUTBOX_DEFAULTS } from "@/lib/env";
import { drainDueEmails, smtpTransport } from "@/lib/mail/sender";
import { internalProvisioner } from "@/lib/provisioning/internal";
import { drainDueChanges } from "@/lib/reflection/worker";
import { runRetention, type RetentionTarget } from "@/lib/retention";
import { sipCredential } from "@/lib/sip/digest";
import { customerAuditEvents, customerDetail, findCustomers } from "@/lib/support/lookup";
import { codeIn } from "@/tests/fixtures/mail-capture";
import { TEST_CREDENTIAL_KEY, TEST_REALM } from "@/testing/changes";
import { BATCH_DUE_AT, BATCH_NOW, BATCH_REQUESTED_AT } from "./batch";
import { fmt, mdTable, textTable, type SectionReport } from "./report";
import { SCALE_CUSTOMER_PASSWORD, SCALE_HISTORY_END, SCALE_LINE_PASSWORD, scaleNumber, scaleSelfcareId, type ScaleCounts } from "./scale-seed";

/** Issue 19's targets. */
export const SCALE_TARGETS = { searchP95Ms: 300, customerP95Ms: 300, batchSeconds: 60, emailsAfterBatchSeconds: 60, outboxPerSecond: 2000 } as const;

export interface Stat {
  name: string;
  n: number;
  p50: number;
  p95: number;
  max: number;
  /** Rows the call returned (search), for the reader to see what was asked. */
  note?: string;
}

export function stat(name: string, values: number[], note?: string): Stat {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => (s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!);
  return { name, n: s.length, p50: at(0.5), p95: at(0.95), max: s.at(-1) ?? NaN, note };
}

export interface ScaleResult {
  counts: ScaleCounts;
  seedMs: number | null;
  databaseBytes: number | null;
  search: Stat[];
  support: Stat[];
  customer: Stat[];
  start: Stat[];
  batch: { n: number; ms: number; claim: Stat; rate: number };
  outbox: { n: number; queued: number; ms: number; rate: number; afterBatchMs: number; received: number };
  retention: { target: RetentionTarget; rows: number; ms: number; rate: number; batchMaxMs: number }[];
  partitionDrop: { rows: number; ms: number } | null;
}

const md5 = (s: string) => createHash("md5").update(s).digest("hex");

/** Customers 1…n in a spread the measurements pick from (deterministic per run seed). */
function picker(n: number, seed = 1) {
  let x = seed * 2_654_435_761;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    return 1 + (x % n);
  };
}

async function timeEach<T>(k: number, fn: (i: number) => Promise<T>): Promise<{ ms: number[]; last: T | undefined }> {
  const ms: number[] = [];
  let last: T | undefined;
  for (let i = 0; i < k; i++) {
    const t0 = performance.now();
    last = await fn(i);
    ms.push(performance.now() - t0);
  }
  return { ms, last };
}

const customerOf = (i: number) => ({ id: md5Uuid(`c${i}`), loginId: scaleSelfcareId(i), email: `u${md5(`e${i}`).slice(0, 6)}.${i}@x`, locale: "ja" as const });
/** md5(text)::uuid as PostgreSQL writes it. */
function md5Uuid(text: string): string {
  const h = md5(text);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * An SMTP server that accepts every message at once, in its own process (scripts/bench/smtp-sink.mjs):
 * in the bench's process it took CPU from the sender it measures. `received()` asks it how many it took.
 */
export async function startSinkSmtp(port: number): Promise<{ received: () => Promise<number>; stop: () => Promise<void> }> {
  const child = fork(fileURLToPath(new URL("./smtp-sink.mjs", import.meta.url)), [String(port)], { execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once("message", () => resolve());
    child.once("exit", (code) => reject(new Error(`the SMTP sink exited (${code}) before it listened on ${port}`)));
  });
  return {
    received: () =>
      new Promise((resolve) => {
        child.once("message", (m) => resolve((m as { received: number }).received));
        child.send("count");
      }),
    stop: async () => {
      child.disconnect();
      await exited;
    },
  };
}

/** `count` PENDING B2BUA changes due at 17:30 on seeded B2BUA lines (every fifth line), sealed as change-password.ts seals them. */
async function seedBatchOnScale(database: Database, n: number, count: number): Promise<number> {
  const lines = Math.floor(n / 5);
  if (count > lines) throw new Error(`only ${lines} B2BUA lines for a batch of ${count}`);
  for (let from = 0; from < count; from += 10_000) {
    const ids: string[] = [];
    const lineIds: string[] = [];
    const sealed: string[] = [];
    for (let k = from; k < Math.min(count, from + 10_000); k++) {
      const i = 5 * (k + 1); // the B2BUA lines: 5, 10, 15, …
      const id = randomUUID();
      ids.push(id);
      lineIds.push(md5Uuid(`l${i}`));
      sealed.push(seal(JSON.stringify(sipCredential(scaleNumber(i), TEST_REALM, `b${String(k).padStart(7, "0")}`)), TEST_CREDENTIAL_KEY, id));
    }
    await database.sql.query(
      `INSERT INTO "PasswordChange" (id, "lineId", "idempotencyKey", "requestedAt", "dueAt", deadline, "nextAttemptAt", credential, "createdAt")
       SELECT id, l, 'batch-' || id, $4, $5, $5, $5, s, $4 FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS t(id, l, s)`,
      [ids, lineIds, sealed, BATCH_REQUESTED_AT, BATCH_DUE_AT],
    );
  }
  return count;
}

/** The same database, recording the duration of every claim (the SKIP LOCKED statement) the worker sends. */
function claimTimed(database: Database): { database: Database; claims: number[] } {
  const claims: number[] = [];
  const wrap =
    (q: SqlQuery): SqlQuery =>
    async (sql, params) => {
      if (!sql.includes("SKIP LOCKED")) return q(sql, params);
      const t0 = performance.now();
      try {
        return await q(sql, params);
      } finally {
        claims.push(performance.now() - t0);
      }
    };
  return { database: { ...database, sql: { query: database.sql.query, transaction: (fn) => database.sql.transaction((q) => fn(wrap(q))) } }, claims };
}

export interface MeasureOptions {
  n: number;
  /** Calls per measured path. */
  iterations: number;
  /** Changes in the 17:30 batch (the issue: 100,020 at a million). */
  batchN: number;
  smtpPort: number;
  /** The outbox measurement stops after this long (the rate is known by then). */
  outboxSeconds: number;
  /** Rows per retention target measured (bounded: the rate is what matters). */
  retentionRows: number;
  log?: (line: string) => void;
}

/** Measures everything on a seeded database (every use-case is given it). */
export async function measureScale(database: Database, counts: ScaleCounts, o: MeasureOptions): Promise<Omit<ScaleResult, "seedMs" | "databaseBytes">> {
  const say = o.log ?? (() => undefined);
  const k = o.iterations;
  const pick = picker(o.n);

  // ── support search, every kind
  say("support search");
  const search: Stat[] = [];
  const kinds: [string, () => string][] = [
    ["exact self-care ID", () => scaleSelfcareId(pick())],
    ["partial self-care ID", () => scaleSelfcareId(pick()).slice(1, 7)],
    ["partial email", () => {
      const i = pick();
      return `${md5(`e${i}`).slice(0, 6)}.${i}@`;
    }],
    ["partial number (6 digits)", () => scaleNumber(pick()).slice(-6)],
    ["number with hyphens", () => {
      const s = scaleNumber(pick());
      return `${s.slice(0, 3)}-${s.slice(3, 7)}-${s.slice(7)}`;
    }],
    ["no match", () => `zq${randomBytes(3).toString("hex")}x`],
    ["fragment matching everyone (example.jp)", () => "example.jp"],
  ];
  for (const [name, query] of kinds) {
    await findCustomers(database, query()); // warm-up (plans, connections), not counted
    let rows = 0;
    const { ms } = await timeEach(k, async () => {
      const r = await findCustomers(database, query());
      rows += r.kind === "results" ? r.customers.length : 0;
    });
    search.push(stat(name, ms, `${fmt.ms(rows / k)} rows/call`));
  }
  {
    const first = await findCustomers(database, "example.jp");
    const after = first.kind === "results" ? first.next : null;
    const { ms } = await timeEach(k, () => findCustomers(database, "example.jp", { after }));
    search.push(stat("…its second page (keyset)", ms));
  }

  // ── the customer page and its audit query
  say("customer page");
  const support: Stat[] = [];
  const now = new Date(BATCH_REQUESTED_AT.getTime() - 2 * 3_600_000); // 10:00 in Japan, the day after the history
  await customerDetail(database, customerOf(pick()).id, now); // warm-up
  support.push(stat("customer page (customerDetail)", (await timeEach(k, () => customerDetail(database, customerOf(pick()).id, now))).ms));
  // The audit trail, new and old (both through Prisma, the same columns), for typical customers and
  // for one with 20,000 events: the old OR read all of a customer's events before sorting them.
  const AUDIT_SELECT = { id: true, at: true, type: true, actor: true, lineNumber: true, ip: true, userAgent: true, details: true, staffUserId: true } as const;
  const oldAudit = (c: { id: string; loginId: string }) =>
    database.prisma.auditEvent.findMany({ where: { OR: [{ customerId: c.id }, { selfcareId: c.loginId }] }, orderBy: { at: "desc" }, take: 200, select: AUDIT_SELECT });
  const newAudit = (c: { id: string; loginId: string }) => customerAuditEvents(database, { id: c.id, selfcareId: c.loginId }, 200);
  support.push(stat("audit trail: two ordered, limited scans", (await timeEach(k, () => newAudit(customerOf(pick())))).ms));
  support.push(stat("audit trail: the old OR query", (await timeEach(k, () => oldAudit(customerOf(pick())))).ms));
  const heavy = customerOf(3);
  const heavyEvents = 20_000;
  await database.sql.query(
    `INSERT INTO "AuditEvent" (at, type, actor, "selfcareId", "customerId", ip, details)
     SELECT $3::timestamptz - (j * 1200) * interval '1 second', 'LOGIN_SUCCESS', 'customer', $1, $2::uuid, '203.0.113.7', '{}'::jsonb FROM generate_series(1, $4::int) AS j`,
    [heavy.loginId, heavy.id, SCALE_HISTORY_END, heavyEvents],
  );
  await database.sql.query(`ANALYZE "AuditEvent"`);
  await newAudit(heavy);
  support.push(stat(`audit trail, a customer with ${fmt.int(heavyEvents)} events: two scans`, (await timeEach(k, () => newAudit(heavy))).ms));
  support.push(stat(`audit trail, a customer with ${fmt.int(heavyEvents)} events: the old OR`, (await timeEach(k, () => oldAudit(heavy))).ms));

  // ── customer paths
  say("customer paths");
  const customer: Stat[] = [];
  const signIn: number[] = [];
  const code: number[] = [];
  const menu: number[] = [];
  const history: number[] = [];
  const change: number[] = [];
  // Each customer at most once: a second sign-in's code email would share the first's createdAt
  // (one `now`), and its line's current password is no longer the seeded one.
  const used = new Set<number>();
  for (let r = 0; r < k; r++) {
    // An IP_PHONE line (not every fifth, not 1 mod 20) used once: its current password is the seeded one.
    let i = pick();
    while (i % 5 === 0 || i % 20 === 1 || used.has(i)) i = pick();
    used.add(i);
    const c = customerOf(i);
    const client = { ip: `198.51.${r % 250}.${(r * 7) % 250}`, userAgent: "scale-bench" };
    let t0 = performance.now();
    const challenge = await startLogin(database, { kind: "customer", loginId: c.loginId, password: SCALE_CUSTOMER_PASSWORD, now, client });
    signIn.push(performance.now() - t0);
    const [mail] = await database.sql.query<{ body: string }>(`SELECT body FROM "OutboxEmail" WHERE "customerId" = $1 AND kind = 'LOGIN_CODE' AND status = 'PENDING' ORDER BY "createdAt" DESC LIMIT 1`, [c.id]);
    const sixDigits = codeIn(mail?.body ?? "");
    if (!sixDigits) throw new Error(`no code email for ${c.loginId}`);
    t0 = performance.now();
    const session = await verifyCode(database, { challengeId: challenge.challengeId, code: sixDigits, now, client });
    code.push(performance.now() - t0);
    const claims = { sid: session.sessionId, kind: "customer" as const, sv: session.sessionVersion };
    t0 = performance.now();
    const m = await checkSession(database, claims, "customer", now);
    menu.push(performance.now() - t0);
    if (!m.ok) throw new Error(`session refused: ${m.reason}`);
    t0 = performance.now();
    await checkSession(database, claims, "customer", now);
    await listOwnChanges(database, c.id);
    history.push(performance.now() - t0);
    t0 = performance.now();
    await changeLinePassword(database, { customer: c, number: scaleNumber(i), currentPassword: SCALE_LINE_PASSWORD, newPassword: `n${randomBytes(4).toString("hex").slice(0, 7)}`, idempotencyKey: randomUUID(), now, client });
    change.push(performance.now() - t0);
  }
  customer.push(stat("sign-in step (ID + password, argon2)", signIn), stat("code step (argon2, session)", code), stat("menu (session check)", menu), stat("history (session + changes)", history), stat("change action (use-case, 2× argon2)", change));

  // ── start: existence check vs count
  const start = [
    stat("start: is there a customer? (findFirst)", (await timeEach(5, () => database.prisma.customer.findFirst({ select: { id: true } }))).ms),
    stat("start: count(*) (before)", (await timeEach(5, () => database.prisma.customer.count())).ms),
  ];

  // ── the 17:30 batch and its emails
  say(`17:30 batch of ${o.batchN}`);
  // Anything the customer paths queued is sent first (not part of the measurement).
  await database.sql.query(`UPDATE "OutboxEmail" SET status = 'SENT', "sentAt" = now() WHERE status = 'PENDING'`);
  await database.sql.query(`UPDATE "PasswordChange" SET status = 'SUPERSEDED', credential = NULL WHERE status = 'PENDING'`);
  await seedBatchOnScale(database, o.n, o.batchN);
  if (database.kind === "postgres") await database.sql.query(`VACUUM ANALYZE "PasswordChange"`);
  else await database.sql.query(`ANALYZE "PasswordChange"`);
  const timed = claimTimed(database);
  const bt0 = performance.now();
  let applied = 0;
  for (;;) {
    const r = await drainDueChanges({ database: timed.database, provisioner: internalProvisioner, credentialKey: TEST_CREDENTIAL_KEY, now: BATCH_NOW, batchSize: 200, maxAttempts: 8 }, 1_000_000);
    applied += r.applied;
    if (r.failed > 0 || r.gaveUp > 0) throw new Error(`batch: ${JSON.stringify(r)}`);
    if (r.claimed === 0) break;
  }
  const batchMs = performance.now() - bt0;
  if (applied !== o.batchN) throw new Error(`batch applied ${applied} of ${o.batchN}`);
  const batch = { n: applied, ms: batchMs, claim: stat("claim per batch of 200", timed.claims), rate: (applied / batchMs) * 1000 };

  say(`outbox: ${applied} emails`);
  const sink = await startSinkSmtp(o.smtpPort);
  // The production sender's settings (lib/env.ts OUTBOX_DEFAULTS): pooled connections, parallel sends, batches.
  const transport = smtpTransport(`smtp://127.0.0.1:${o.smtpPort}`, { connections: OUTBOX_DEFAULTS.connections });
  const [{ pending }] = (await database.sql.query<{ pending: number }>(`SELECT count(*)::int AS pending FROM "OutboxEmail" WHERE status = 'PENDING'`)) as [{ pending: number }];
  const ot0 = performance.now();
  let sent = 0;
  for (;;) {
    const r = await drainDueEmails({ database, transport, from: "bench <bench@example.jp>", batchSize: OUTBOX_DEFAULTS.batchSize, concurrency: OUTBOX_DEFAULTS.concurrency });
    sent += r.sent;
    if (r.failed > 0) throw new Error(`outbox: ${r.failed} failed`);
    if (r.sent === 0 || performance.now() - ot0 > o.outboxSeconds * 1000) break;
  }
  const outboxMs = performance.now() - ot0;
  transport.close?.();
  const received = await sink.received();
  await sink.stop();
  const outbox = { n: sent, queued: pending, ms: outboxMs, rate: (sent / outboxMs) * 1000, afterBatchMs: outboxMs, received };
  if (sent > pending || received !== sent) throw new Error(`outbox sent ${sent} of ${pending}, SMTP received ${received}`);

  // ── retention: a month of audit (and the email rows/bodies past their periods) due, bounded
  say("retention");
  const retention: ScaleResult["retention"] = [];
  const batches = new Map<RetentionTarget, number[]>();
  const rt0 = new Map<RetentionTarget, number>();
  const batchSize = 5000;
  const maxBatches = Math.max(1, Math.ceil(o.retentionRows / batchSize));
  const policyNow = new Date(SCALE_HISTORY_END.getTime() + 30 * 86_400_000);
  const t0 = performance.now();
  const result = await runRetention(database, {
    now: policyNow,
    policy: { auditDays: 365, emailDays: 365 - 30, emailBodyDays: 365 - 60, challengeHours: 24, sessionHours: 24, rateLimitHours: 1, batchSize, maxBatches },
    onBatch: (target, _rows, ms) => {
      if (!rt0.has(target)) rt0.set(target, 0);
      rt0.set(target, rt0.get(target)! + ms);
      batches.set(target, [...(batches.get(target) ?? []), ms]);
    },
  });
  say(`retention took ${fmt.s(performance.now() - t0)} s`);
  for (const [target, rows] of Object.entries(result) as [RetentionTarget, number][]) {
    if (rows === 0) continue;
    const ms = rt0.get(target) ?? 0;
    retention.push({ target, rows, ms, rate: (rows / ms) * 1000, batchMaxMs: Math.max(...(batches.get(target) ?? [0])) });
  }

  // ── the alternative: a month of audit events as a partition, dropped
  let partitionDrop: ScaleResult["partitionDrop"] = null;
  const audit = retention.find((r) => r.target === "audit_event");
  if (audit) {
    const q = database.sql.query;
    await q(`DROP TABLE IF EXISTS bench_audit_part`);
    await q(`CREATE TABLE bench_audit_part (LIKE "AuditEvent") PARTITION BY RANGE (at)`);
    await q(`CREATE TABLE bench_audit_part_m PARTITION OF bench_audit_part FOR VALUES FROM (MINVALUE) TO ('2100-01-01')`);
    await q(`INSERT INTO bench_audit_part SELECT * FROM "AuditEvent" ORDER BY at LIMIT $1`, [audit.rows]);
    await q(`CREATE INDEX ON bench_audit_part ("customerId", at)`);
    const p0 = performance.now();
    await q(`ALTER TABLE bench_audit_part DETACH PARTITION bench_audit_part_m`);
    await q(`DROP TABLE bench_audit_part_m`);
    partitionDrop = { rows: audit.rows, ms: performance.now() - p0 };
    await q(`DROP TABLE bench_audit_part`);
  }
  return { counts, search, support, customer, start, batch, outbox, retention, partitionDrop };
}


export function scaleReport(r: ScaleResult, runtimeMs: number, o: { quick?: boolean } = {}): SectionReport {
  const met: string[] = [];
  const missed: string[] = [];
  const check = (ok: boolean, text: string) => (ok ? met : missed).push(text);
  for (const s of r.search) check(s.p95 <= SCALE_TARGETS.searchP95Ms, `search "${s.name}" p95 ${fmt.ms(s.p95)} ms ≤ ${SCALE_TARGETS.searchP95Ms}`);
  check(r.support[0]!.p95 <= SCALE_TARGETS.searchP95Ms, `customer page p95 ${fmt.ms(r.support[0]!.p95)} ms ≤ ${SCALE_TARGETS.searchP95Ms}`);
  for (const s of r.customer) check(s.p95 <= SCALE_TARGETS.customerP95Ms, `${s.name} p95 ${fmt.ms(s.p95)} ms ≤ ${SCALE_TARGETS.customerP95Ms}`);
  check(r.batch.ms / 1000 <= SCALE_TARGETS.batchSeconds, `17:30 batch of ${fmt.int(r.batch.n)} in ${fmt.s(r.batch.ms)} s ≤ ${SCALE_TARGETS.batchSeconds} s`);
  const drained = r.outbox.n >= r.outbox.queued;
  check(
    drained && r.outbox.afterBatchMs / 1000 <= SCALE_TARGETS.emailsAfterBatchSeconds,
    drained
      ? `its ${fmt.int(r.outbox.n)} emails out ${fmt.s(r.outbox.afterBatchMs)} s after it ≤ ${SCALE_TARGETS.emailsAfterBatchSeconds} s`
      : `its ${fmt.int(r.outbox.queued)} emails: only ${fmt.int(r.outbox.n)} out in ${fmt.s(r.outbox.ms)} s (stopped there; all would take ≈ ${fmt.s((r.outbox.queued / r.outbox.rate) * 1000)} s) ≤ ${SCALE_TARGETS.emailsAfterBatchSeconds} s`,
  );
  check(r.outbox.rate >= SCALE_TARGETS.outboxPerSecond, `outbox ${fmt.int(r.outbox.rate)} messages/s ≥ ${fmt.int(SCALE_TARGETS.outboxPerSecond)}`);

  const head = ["path", "calls", "p50 ms", "p95 ms", "max ms", "note"];
  const rows = (stats: Stat[]) => stats.map((s) => [s.name, s.n, fmt.ms(s.p50), fmt.ms(s.p95), fmt.ms(s.max), s.note ?? ""]);
  const all = [...r.search, ...r.support, ...r.customer, ...r.start, r.batch.claim];
  const sizeLine = `${fmt.int(r.counts.customers)} customers (one line each), ${fmt.int(r.counts.changes)} past changes, ${fmt.int(r.counts.audit)} audit events, ${fmt.int(r.counts.emails)} sent emails${r.databaseBytes ? ` (${(r.databaseBytes / 1e9).toFixed(1)} GB)` : ""}${r.seedMs !== null ? `, seeded in SQL in ${fmt.s(r.seedMs)} s` : ", seeded earlier (reused)"}.`;
  const flows = [
    ["17:30 batch", fmt.int(r.batch.n), `${fmt.s(r.batch.ms)} s`, `${fmt.int(r.batch.rate)} changes/s`],
    ["its emails through the outbox", `${fmt.int(r.outbox.n)} of ${fmt.int(r.outbox.queued)}`, `${fmt.s(r.outbox.ms)} s`, `${fmt.int(r.outbox.rate)} messages/s (SMTP received ${fmt.int(r.outbox.received)})`],
    ...r.retention.map((x) => [`retention: ${x.target}`, fmt.int(x.rows), `${fmt.s(x.ms)} s`, `${fmt.int(x.rate)} rows/s, longest batch ${fmt.ms(x.batchMaxMs)} ms`]),
    ...(r.partitionDrop ? [["the same audit rows as a dropped partition", fmt.int(r.partitionDrop.rows), `${fmt.s(r.partitionDrop.ms)} s`, "detach + drop"]] : []),
  ];
  const flowHead = ["flow", "rows", "time", "rate"];
  const markdown = [
    sizeLine,
    "",
    "Each path is the function its route or server action calls, called one after another on the seeded database (no HTTP in between); p50/p95 over the calls.",
    "",
    mdTable(head, rows(all), ["l", "r", "r", "r", "r", "l"]),
    "",
    mdTable(flowHead, flows, ["l", "r", "r", "l"]),
  ].join("\n");
  const console = [sizeLine, textTable(head, rows(all)), textTable(flowHead, flows)].join("\n\n");
  return { id: "scale", title: `Carrier scale (${fmt.int(r.counts.customers)} customers)${o.quick ? " (quick)" : ""}`, runtimeMs, markdown, console, met, missed };
}
