// IP_PHONE latency: password changes arrive at a steady rate through the real use-case
// (changeLinePassword: argon2 check of the current password, argon2 hash of the new one, the
// sealed SIP digest, audit row and acceptance email in one transaction), while the reflection worker
// loop runs as in production (startReflectionWorker, WORKER_POLL_MS, WORKER_BATCH_SIZE) in the same
// process — the web server's arrangement. Latency is request → applied: from the moment the
// use-case is called to the moment a poller sees the change APPLIED (committed), and also
// appliedAt − requestedAt as the database records it.
import { randomBytes, randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { hashSecret } from "@/lib/auth/password";
import { seal } from "@/lib/crypto/seal";
import type { Database } from "@/lib/db";
import { changeLinePassword } from "@/lib/lines/change-password";
import { internalProvisioner } from "@/lib/provisioning/internal";
import { startReflectionWorker } from "@/lib/reflection/loop";
import { secrets } from "@/lib/secrets";
import { sipCredential } from "@/lib/sip/digest";
import { env } from "@/lib/env";
import { freeNumbers, SEEDED_LINE_PASSWORD } from "@/testing/changes";

export type ArrivalMode = "use-case" | "insert";

export interface LatencyResult {
  mode: ArrivalMode;
  rate: number;
  seconds: number;
  offered: number;
  accepted: number;
  applied: number;
  errors: number;
  /** request → seen APPLIED by the poller (ms). */
  observed: Summary;
  /** appliedAt − requestedAt as recorded (ms). */
  recorded: Summary;
  /** How long the use-case call itself took (ms): what the customer waits for the 完了 screen. */
  request: Summary;
  /** Arrivals that started more than 100 ms late (the generator or the event loop could not keep up). */
  lateStarts: number;
  pollMs: number;
  batchSize: number;
}

export interface Summary {
  p50: number;
  p99: number;
  max: number;
}

export function summarize(values: number[]): Summary {
  if (values.length === 0) return { p50: NaN, p99: NaN, max: NaN };
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
  return { p50: at(0.5), p99: at(0.99), max: s[s.length - 1]! };
}

interface SeededLine {
  customer: { id: string; loginId: string; email: string; locale: "ja" };
  number: string;
}

/** `count` customers with one IP_PHONE line each, the line's password SEEDED_LINE_PASSWORD. */
export async function seedIpPhoneLines(database: Database, count: number): Promise<SeededLine[]> {
  const hash = await hashSecret(SEEDED_LINE_PASSWORD);
  const numbers = await freeNumbers(database, count);
  const tag = randomBytes(4).toString("hex");
  const lines = numbers.map((number, i) => {
    const loginId = `lat${tag}${i}`;
    return { customer: { id: randomUUID(), loginId, email: `${loginId}@example.jp`, locale: "ja" as const }, number, lineId: randomUUID() };
  });
  await database.sql.transaction(async (q) => {
    await q(
      `INSERT INTO "Customer" (id, "selfcareId", "passwordHash", email, locale) SELECT id, s, $4, e, 'ja' FROM unnest($1::uuid[], $2::text[], $3::text[]) AS t(id, s, e)`,
      [lines.map((l) => l.customer.id), lines.map((l) => l.customer.loginId), lines.map((l) => l.customer.email), hash],
    );
    await q(
      `INSERT INTO "Line" (id, number, "customerId", service, "passwordHash") SELECT id, n, c, 'IP_PHONE', $4 FROM unnest($1::uuid[], $2::text[], $3::uuid[]) AS t(id, n, c)`,
      [lines.map((l) => l.lineId), lines.map((l) => l.number), lines.map((l) => l.customer.id), hash],
    );
  });
  return lines;
}

/**
 * Runs the arrival process for `seconds` at `rate` changes per second (one new line each), with the
 * worker loop running; then waits (up to `drainMs`) for every accepted change to be applied.
 * Needs WORKER_POLL_MS / WORKER_BATCH_SIZE / CREDENTIAL_KEY in the environment (env.ts).
 */
export async function runLatency(o: { database: Database; mode: ArrivalMode; rate: number; seconds: number; drainMs?: number; pollMs: number; batchSize: number }): Promise<LatencyResult> {
  const total = Math.round(o.rate * o.seconds);
  const lines = await seedIpPhoneLines(o.database, total);
  const requested = new Map<string, number>(); // change id → request time (performance.now)
  const observed: number[] = [];
  const requestMs: number[] = [];
  let errors = 0;
  let lateStarts = 0;
  let firstError: unknown;

  const stopWorker = startReflectionWorker(o.database, internalProvisioner);
  let polling = true;
  let drainDeadline = Infinity;
  const poller = (async () => {
    while (polling || requested.size > 0) {
      if (requested.size > 0) {
        const ids = [...requested.keys()];
        const rows = await o.database.sql.query<{ id: string }>(`SELECT id FROM "PasswordChange" WHERE id = ANY($1::uuid[]) AND status = 'APPLIED'`, [ids]);
        const seenAt = performance.now();
        for (const r of rows) {
          observed.push(seenAt - requested.get(r.id)!);
          requested.delete(r.id);
        }
      }
      if (!polling && requested.size > 0 && performance.now() > drainDeadline) break;
      await sleep(100);
    }
  })();

  const started = performance.now();
  const calls: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const at = started + (i * 1000) / o.rate;
    const wait = at - performance.now();
    if (wait > 0) await sleep(wait);
    else if (wait < -100) lateStarts++;
    const line = lines[i]!;
    const t0 = performance.now();
    const newPassword = randomBytes(6).toString("hex").slice(0, 8);
    const request =
      o.mode === "use-case"
        ? changeLinePassword(o.database, {
            customer: line.customer,
            number: line.number,
            currentPassword: SEEDED_LINE_PASSWORD,
            newPassword,
            idempotencyKey: randomUUID(),
            now: new Date(),
            client: { ip: "127.0.0.1", userAgent: "bench" },
          })
        : insertPending(o.database, line, newPassword);
    calls.push(
      request.then(
        (r) => {
          requestMs.push(performance.now() - t0);
          requested.set(r.changeId, t0);
        },
        (error: unknown) => {
          errors++;
          firstError ??= error;
        },
      ),
    );
  }
  await Promise.all(calls);
  drainDeadline = performance.now() + (o.drainMs ?? 60_000);
  polling = false;
  await poller;
  await stopWorker();
  if (firstError) console.error("first use-case error:", firstError);

  const recordedRows = await o.database.sql.query<{ ms: number }>(
    `SELECT (extract(epoch FROM pc."appliedAt" - pc."requestedAt") * 1000)::float8 AS ms FROM "PasswordChange" pc JOIN "Line" l ON l.id = pc."lineId"
      WHERE l.number = ANY($1::text[]) AND pc.status = 'APPLIED'`,
    [lines.map((l) => l.number)],
  );
  return {
    mode: o.mode,
    rate: o.rate,
    seconds: o.seconds,
    offered: total,
    accepted: requestMs.length,
    applied: observed.length,
    errors,
    observed: summarize(observed),
    recorded: summarize(recordedRows.map((r) => Number(r.ms))),
    request: summarize(requestMs),
    lateStarts,
    pollMs: o.pollMs,
    batchSize: o.batchSize,
  };
}

/**
 * The "insert" arrival: the row the use-case writes, without its argon2 work — a PENDING change
 * with dueAt = requestedAt = nextAttemptAt = now and the sealed SIP digest (sealed exactly as
 * change-password.ts does), in one statement.
 */
async function insertPending(database: Database, line: SeededLine, newPassword: string): Promise<{ changeId: string }> {
  const changeId = randomUUID();
  const now = new Date();
  const credential = seal(JSON.stringify(sipCredential(line.number, env().SIP_REALM, newPassword)), secrets().credentialKey, changeId);
  await database.sql.query(
    `INSERT INTO "PasswordChange" (id, "lineId", "idempotencyKey", "requestedAt", "dueAt", deadline, "nextAttemptAt", credential)
     SELECT $1, l.id, $2, $3, $3, $4, $3, $5 FROM "Line" l WHERE l.number = $6`,
    [changeId, `bench-${changeId}`, now, new Date(now.getTime() + 15 * 60_000), credential, line.number],
  );
  return { changeId };
}
