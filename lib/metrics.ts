import { timingSafeEqual } from "node:crypto";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { clock } from "./clock";
import type { Database } from "./db";
import { env } from "./env";
import { instance, instanceRole } from "./instance";
import { log } from "./log";
import { SERVICE_TYPES } from "./schedule";

/**
 * Prometheus metrics (GET /metrics; a separate worker on WORKER_METRICS_PORT). Two kinds:
 * - this process's own counters and histograms (HTTP requests, sign-in outcomes, reflection batches);
 * - the shared state read from the database at each scrape (changes by status and service, overdue
 *   changes, outbox backlog and age, worker heartbeats): the same on every instance, so alert on max().
 * One registry per process, on globalThis: the custom server, instrumentation and route handlers are
 * separate bundles and must count into the same metrics.
 */
function create() {
  const registry = new Registry();
  registry.setDefaultLabels({ instance_id: instance().id });
  const r = [registry];
  return {
    registry,
    httpDuration: new Histogram({
      name: "selfcare_http_request_duration_seconds",
      help: "HTTP request duration by route (the Next.js route pattern), method and status",
      labelNames: ["route", "method", "status"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: r,
    }),
    signIns: new Counter({
      name: "selfcare_sign_in_total",
      help: "Sign-in steps by outcome (password_ok, failed, locked_out, code_sent, code_failed, success) and actor (customer, staff)",
      labelNames: ["outcome", "actor"],
      registers: r,
    }),
    batchDuration: new Histogram({
      name: "selfcare_reflection_batch_duration_seconds",
      help: "Duration of a reflection run that claimed changes (claim, provision, mark applied), in this process",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: r,
    }),
    reflected: new Counter({
      name: "selfcare_reflection_changes_total",
      help: "Changes handled by this process's reflection worker, by result (applied, failed = attempt failed, gave_up = became FAILED)",
      labelNames: ["result"],
      registers: r,
    }),
    changes: new Gauge({ name: "selfcare_changes", help: "Password changes in the database by status and service type", labelNames: ["status", "service"], registers: r }),
    overdue: new Gauge({ name: "selfcare_changes_overdue", help: "PENDING changes past their promised deadline, by service type", labelNames: ["service"], registers: r }),
    outboxBacklog: new Gauge({ name: "selfcare_outbox_backlog", help: "Emails not sent yet (PENDING) in the outbox", registers: r }),
    outboxFailed: new Gauge({ name: "selfcare_outbox_failed", help: "Emails given up (FAILED) in the outbox", registers: r }),
    outboxOldest: new Gauge({ name: "selfcare_outbox_oldest_unsent_age_seconds", help: "Age of the oldest unsent (PENDING) email, 0 when none", registers: r }),
    heartbeatAge: new Gauge({
      name: "selfcare_worker_heartbeat_age_seconds",
      help: "Seconds since each reflection worker (web server with WORKER_IN_SERVER, or npm run worker) last completed a loop, from the database",
      labelNames: ["worker", "host", "kind"],
      registers: r,
    }),
    retentionDeleted: new Counter({
      name: "selfcare_retention_deleted_total",
      help: "Rows deleted by this process's retention job, by target (audit_event, password_change, outbox_email, outbox_body = bodies erased, login_challenge, auth_session, rate_limit)",
      labelNames: ["target"],
      registers: r,
    }),
    retentionOldest: new Gauge({
      name: "selfcare_retention_oldest_row_age_seconds",
      help: "Age of the oldest row kept, by target (from the database; compare with selfcare_retention_period_seconds), 0 when none",
      labelNames: ["target"],
      registers: r,
    }),
    retentionPeriod: new Gauge({
      name: "selfcare_retention_period_seconds",
      help: "The configured retention period by target (RETENTION_*); 0 means kept forever",
      labelNames: ["target"],
      registers: r,
    }),
    databaseUp: new Gauge({ name: "selfcare_metrics_database_up", help: "1 when the database answered this scrape's queries, else 0", registers: r }),
  };
}

export type Metrics = ReturnType<typeof create>;
const holder = globalThis as unknown as { __selfcareMetrics?: Metrics };
export function metrics(): Metrics {
  holder.__selfcareMetrics ??= create();
  return holder.__selfcareMetrics;
}

const SIGN_IN_OUTCOMES: Record<string, string> = {
  LOGIN_PASSWORD_OK: "password_ok",
  LOGIN_FAILED: "failed",
  LOCKOUT: "locked_out",
  CODE_SENT: "code_sent",
  CODE_FAILED: "code_failed",
  LOGIN_SUCCESS: "success",
};

/** Counts an audit event that is a sign-in step (called by lib/audit). */
export function countAuditEvent(type: string, actor: string): void {
  const outcome = SIGN_IN_OUTCOMES[type];
  if (outcome) metrics().signIns.inc({ outcome, actor });
}

/** Records one reflection run of this process's worker (called by lib/reflection/loop.ts). */
export function recordReflectionRun(r: { claimed: number; applied: number; failed: number; gaveUp?: number }, seconds: number): void {
  const m = metrics();
  if (r.claimed > 0) m.batchDuration.observe(seconds);
  if (r.applied) m.reflected.inc({ result: "applied" }, r.applied);
  if (r.failed) m.reflected.inc({ result: "failed" }, r.failed);
  if (r.gaveUp) m.reflected.inc({ result: "gave_up" }, r.gaveUp);
}

/** After each run of the reflection loop: its metrics, then the heartbeat (lib/reflection/loop.ts calls this once). */
export async function afterReflectionRun(database: Database, r: { claimed: number; applied: number; failed: number; gaveUp?: number }, startedAt: number): Promise<void> {
  recordReflectionRun(r, (performance.now() - startedAt) / 1000);
  await workerHeartbeat(database);
}

const HEARTBEAT_EVERY_MS = 5_000;
let lastBeat = 0;

/**
 * The worker's heartbeat: at most every 5 s, after a completed loop, this process's row in
 * WorkerHeartbeat gets the database's now(). /metrics on any instance reports every worker's age.
 */
export async function workerHeartbeat(database: Database, kind: "web" | "worker" = instanceRole()): Promise<void> {
  if (Date.now() - lastBeat < HEARTBEAT_EVERY_MS) return;
  lastBeat = Date.now();
  const me = instance();
  try {
    await database.sql.query(
      `INSERT INTO "WorkerHeartbeat" (id, kind, host, pid, "startedAt", "beatAt") VALUES ($1, $2, $3, $4, now(), now())
       ON CONFLICT (id) DO UPDATE SET "beatAt" = now(), kind = EXCLUDED.kind, host = EXCLUDED.host, pid = EXCLUDED.pid`,
      [me.id, kind, me.host, me.pid],
    );
  } catch (error) {
    log.warn({ err: error instanceof Error ? error.message : String(error) }, "worker heartbeat not recorded");
  }
}

/** A worker that stops cleanly takes its heartbeat away (a killed one ages, which is what alerts see). */
export async function removeWorkerHeartbeat(database: Database): Promise<void> {
  await database.sql.query(`DELETE FROM "WorkerHeartbeat" WHERE id = $1`, [instance().id]).catch(() => undefined);
}

const SERVICES = SERVICE_TYPES;
const STATUSES = ["PENDING", "APPLIED", "SUPERSEDED", "FAILED"];

/** Reads the shared state from the database into the gauges. */
async function refreshDatabaseGauges(database: Database): Promise<void> {
  const m = metrics();
  try {
    const now = clock.now();
    const [changes, overdue, outbox, beats, oldest] = await Promise.all([
      database.sql.query<{ status: string; service: string; n: string | number }>(
        `SELECT c.status::text AS status, l.service::text AS service, count(*) AS n FROM "PasswordChange" c JOIN "Line" l ON l.id = c."lineId" GROUP BY 1, 2`,
      ),
      database.sql.query<{ service: string; n: string | number }>(
        `SELECT l.service::text AS service, count(*) AS n FROM "PasswordChange" c JOIN "Line" l ON l.id = c."lineId" WHERE c.status = 'PENDING' AND c.deadline < $1 GROUP BY 1`,
        [now],
      ),
      database.sql.query<{ pending: string | number; failed: string | number; oldest: Date | string | null }>(
        `SELECT count(*) FILTER (WHERE status = 'PENDING') AS pending, count(*) FILTER (WHERE status = 'FAILED') AS failed,
                min("createdAt") FILTER (WHERE status = 'PENDING') AS oldest FROM "OutboxEmail"`,
      ),
      database.sql.query<{ id: string; host: string; kind: string; age: string | number }>(
        `SELECT id, host, kind, extract(epoch FROM now() - "beatAt") AS age FROM "WorkerHeartbeat" WHERE "beatAt" > now() - interval '1 day'`,
      ),
      // Each a min() along the index the retention job deletes by: one index probe each.
      database.sql.query<Record<string, Date | string | null>>(
        `SELECT (SELECT min(at) FROM "AuditEvent") AS audit_event, (SELECT min("createdAt") FROM "PasswordChange") AS password_change,
                (SELECT min("createdAt") FROM "OutboxEmail") AS outbox_email, (SELECT min("createdAt") FROM "OutboxEmail" WHERE body <> '') AS outbox_body,
                (SELECT min("expiresAt") FROM "LoginChallenge") AS login_challenge, (SELECT min("lastSeenAt") FROM "AuthSession") AS auth_session,
                (SELECT min(expire) FROM "RateLimiterFlexible") AS rate_limit`,
      ),
    ]);
    for (const [target, at] of Object.entries(oldest[0] ?? {})) m.retentionOldest.set({ target }, at ? Math.max(0, (now.getTime() - new Date(at).getTime()) / 1000) : 0);
    const e = env();
    const days = 86_400;
    const periods: Record<string, number> = {
      audit_event: e.RETENTION_AUDIT_DAYS * days,
      password_change: e.RETENTION_AUDIT_DAYS * days,
      outbox_email: e.RETENTION_EMAIL_DAYS * days,
      outbox_body: e.RETENTION_EMAIL_BODY_DAYS * days,
      login_challenge: e.RETENTION_CHALLENGE_HOURS * 3600,
      auth_session: e.RETENTION_SESSION_HOURS * 3600,
      rate_limit: e.RETENTION_RATE_LIMIT_HOURS * 3600,
    };
    for (const [target, seconds] of Object.entries(periods)) m.retentionPeriod.set({ target }, seconds);
    m.changes.reset();
    for (const status of STATUSES) for (const service of SERVICES) m.changes.set({ status, service }, 0);
    for (const c of changes) m.changes.set({ status: c.status, service: c.service }, Number(c.n));
    m.overdue.reset();
    for (const service of SERVICES) m.overdue.set({ service }, 0);
    for (const o of overdue) m.overdue.set({ service: o.service }, Number(o.n));
    const o = outbox[0];
    m.outboxBacklog.set(Number(o?.pending ?? 0));
    m.outboxFailed.set(Number(o?.failed ?? 0));
    m.outboxOldest.set(o?.oldest ? Math.max(0, (now.getTime() - new Date(o.oldest).getTime()) / 1000) : 0);
    m.heartbeatAge.reset();
    for (const b of beats) m.heartbeatAge.set({ worker: b.id, host: b.host, kind: b.kind }, Math.max(0, Number(b.age)));
    m.databaseUp.set(1);
  } catch (error) {
    m.databaseUp.set(0);
    log.warn({ err: error instanceof Error ? error.message : String(error) }, "metrics: database not readable");
  }
}

/** The Prometheus text exposition of this process's metrics. */
export async function renderMetrics(database: Database | null): Promise<{ contentType: string; body: string }> {
  if (database) await refreshDatabaseGauges(database);
  const m = metrics();
  return { contentType: m.registry.contentType, body: await m.registry.metrics() };
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * Who may read /metrics: with METRICS_TOKEN, whoever sends `Authorization: Bearer <token>`; without
 * it, outside production only, requests from loopback. In production METRICS_TOKEN is required.
 */
export function metricsAccess(authorization: string | null, clientIp: string | null): { ok: true } | { ok: false; status: 401 | 403; reason: string } {
  const e = env();
  if (e.METRICS_TOKEN) {
    const given = Buffer.from(/^Bearer (.+)$/.exec(authorization ?? "")?.[1] ?? "");
    const want = Buffer.from(e.METRICS_TOKEN);
    if (given.length === want.length && timingSafeEqual(given, want)) return { ok: true };
    return { ok: false, status: 401, reason: "a bearer token (METRICS_TOKEN) is required" };
  }
  if (e.APP_ENV === "production") return { ok: false, status: 403, reason: "METRICS_TOKEN is not set: /metrics is closed in production" };
  if (clientIp && LOOPBACK.test(clientIp)) return { ok: true };
  return { ok: false, status: 403, reason: "open on loopback only (set METRICS_TOKEN to read it from elsewhere)" };
}
