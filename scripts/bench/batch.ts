// The 17:30 batch benchmark's core: seed N due B2BUA changes, drain them with the real worker
// (lib/reflection/worker.ts) and time it; and a plain-SQL baseline that performs the same row
// updates on the same database in batches of the same size. Used by scripts/bench/index.ts and by
// tests/integration/bench-smoke.test.ts (tiny N), so this code runs in every `npm test`.
import pg from "pg";
import type { Database, SqlQuery } from "@/lib/db";
import { internalProvisioner } from "@/lib/provisioning/internal";
import { kamailioProvisioner } from "@/lib/provisioning/kamailio";
import type { Provisioner } from "@/lib/provisioning";
import { drainDueChanges } from "@/lib/reflection/worker";
import { seedDueChanges, TEST_CREDENTIAL_KEY, TEST_REALM } from "@/tests/helpers/changes";

/** A change requested at 12:00 in Japan is due in the 17:30 batch (the 2:00–17:00 window). */
export const BATCH_REQUESTED_AT = new Date("2026-11-25T12:00:00+09:00");
export const BATCH_DUE_AT = new Date("2026-11-25T17:30:00+09:00");
/** The worker's clock: one second after the batch time, so every seeded change is due. */
export const BATCH_NOW = new Date(BATCH_DUE_AT.getTime() + 1_000);

/** What the baseline needs of each seeded change (the plain values, known from the seeding). */
export interface BatchRow {
  id: string;
  username: string;
  realm: string;
  ha1: string;
  ha1b: string;
}

/**
 * Seeds `count` PENDING B2BUA changes due at 17:30 (one customer and line each). `password(i)` gives
 * the i-th new password (default random): the smoke test seeds two databases alike with it.
 */
export async function seedBatch(database: Database, count: number, o: { chunk?: number; password?: (i: number) => string } = {}): Promise<BatchRow[]> {
  const rows: BatchRow[] = [];
  const chunk = o.chunk ?? 25_000;
  // In chunks: one statement per table per chunk keeps PGlite's memory in check.
  for (let done = 0; done < count; done += chunk) {
    const password = o.password;
    const seeded = await seedDueChanges(database, {
      count: Math.min(chunk, count - done),
      requestedAt: BATCH_REQUESTED_AT,
      service: "B2BUA",
      password: password ? (i) => password(done + i) : undefined,
    });
    // Guard: a schedule change must not silently make the benchmark measure something else.
    if (seeded[0] && seeded[0].dueAt.getTime() !== BATCH_DUE_AT.getTime()) throw new Error(`seeded changes are due at ${seeded[0].dueAt.toISOString()}, not 17:30`);
    for (const c of seeded) rows.push({ id: c.id, username: c.credential.username, realm: c.credential.realm, ha1: c.credential.ha1, ha1b: c.credential.ha1b });
  }
  return rows;
}

/** Kamailio's `subscriber` rows for the same lines, with their old digest values (the upsert then updates). */
export async function seedSubscribers(url: string, rows: BatchRow[], realm = TEST_REALM): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (let i = 0; i < rows.length; i += 50_000) {
      const part = rows.slice(i, i + 50_000);
      await client.query(
        `INSERT INTO subscriber (username, domain, password, ha1, ha1b)
         SELECT u, $2, '', md5(u || 'old'), md5(u || 'oldb') FROM unnest($1::text[]) AS t(u)
         ON CONFLICT (username, domain) DO NOTHING`,
        [part.map((r) => r.username), realm],
      );
    }
  } finally {
    await client.end();
  }
}

export type ProvisionerKind = "internal" | "kamailio";

/** Time spent per kind of statement (and in the provisioner) while a run goes on. */
export type Profile = Map<string, { n: number; ms: number }>;

function label(sql: string): string {
  if (sql.includes("SKIP LOCKED")) return "claim";
  if (sql.includes('"RegistrarCredential"')) return "registrar upsert";
  if (/UPDATE "PasswordChange"(?: \w+)? SET status = 'APPLIED'/.test(sql)) return "mark applied";
  if (sql.includes('"AuditEvent"')) return "audit rows";
  if (sql.includes('"OutboxEmail"')) return "outbox emails";
  return "other SQL";
}

function add(profile: Profile, key: string, ms: number) {
  const e = profile.get(key) ?? { n: 0, ms: 0 };
  e.n++;
  e.ms += ms;
  profile.set(key, e);
}

/**
 * The same database and provisioner, timing every statement the worker sends inside its
 * transactions (by kind) and every provisioner call; `transaction` also times the whole
 * transaction, commit included. Costs a performance.now() per statement.
 */
export function profiled(database: Database, provisioner: Provisioner): { database: Database; provisioner: Provisioner; profile: Profile } {
  const profile: Profile = new Map();
  const wrap =
    (q: SqlQuery): SqlQuery =>
    async (sql, params) => {
      const t0 = performance.now();
      try {
        return await q(sql, params);
      } finally {
        add(profile, label(sql), performance.now() - t0);
      }
    };
  const sql = {
    query: database.sql.query,
    transaction: async <T>(fn: (q: SqlQuery) => Promise<T>) => {
      const t0 = performance.now();
      try {
        return await database.sql.transaction((q) => fn(wrap(q)));
      } finally {
        add(profile, "transaction (total)", performance.now() - t0);
      }
    },
  };
  const timedProvisioner: Provisioner = {
    name: provisioner.name,
    provision: async (items, ctx) => {
      const t0 = performance.now();
      try {
        // The internal provisioner's statement is timed as "registrar upsert" already.
        await provisioner.provision(items, ctx);
      } finally {
        if (provisioner.name !== "internal") add(profile, `${provisioner.name} provision`, performance.now() - t0);
      }
    },
    close: provisioner.close ? () => provisioner.close!() : undefined,
  };
  return { database: { ...database, sql }, provisioner: timedProvisioner, profile };
}

/**
 * The registrar refusing some lines: a batch that holds one of `bad` fails as a whole (as an upsert
 * with one rejected row does), before anything is written; batches without one go through.
 */
export function refusing(provisioner: Provisioner, bad: Set<string>): Provisioner {
  return {
    name: provisioner.name,
    async provision(items, ctx) {
      const refused = items.find((i) => bad.has(i.changeId));
      if (refused) throw new Error(`registrar refused the line ${refused.credential.username} (bench)`);
      await provisioner.provision(items, ctx);
    },
    close: provisioner.close ? () => provisioner.close!() : undefined,
  };
}

export function makeProvisioner(kind: ProvisionerKind, kamailioUrl?: string): Provisioner {
  if (kind === "internal") return internalProvisioner;
  if (!kamailioUrl) throw new Error("the kamailio provisioner needs a database URL");
  return kamailioProvisioner(kamailioUrl);
}

export interface RunResult {
  n: number;
  batchSize: number;
  ms: number;
  batches: number;
  /** Changes per second. */
  rate: number;
}

/**
 * Drains every due change with the worker exactly as the loop does (drainDueChanges, repeated
 * until nothing is claimed), `workers` drains at once on the same database (1 = the web server's
 * one worker loop).
 */
export async function runWorker(o: {
  database: Database;
  provisioner: Provisioner;
  batchSize: number;
  expected: number;
  workers?: number;
  now?: Date;
  /** Changes the registrar refuses (the "1 % failing" case): each must end FAILED after one attempt. */
  expectedFailed?: number;
}): Promise<RunResult> {
  const failing = o.expectedFailed !== undefined;
  const options = { database: o.database, provisioner: o.provisioner, credentialKey: TEST_CREDENTIAL_KEY, now: o.now ?? BATCH_NOW, batchSize: o.batchSize, maxAttempts: failing ? 1 : 8 };
  let applied = 0;
  let gaveUp = 0;
  let batches = 0;
  const started = performance.now();
  const one = async () => {
    for (;;) {
      const r = await drainDueChanges(options, 1_000_000);
      applied += r.applied;
      gaveUp += r.gaveUp;
      batches += Math.ceil(r.claimed / o.batchSize) || 1;
      if (r.failed > 0 || (r.gaveUp > 0 && !failing)) throw new Error(`worker reported failures: ${JSON.stringify(r)}`);
      if (r.claimed === 0) return;
    }
  };
  await Promise.all(Array.from({ length: o.workers ?? 1 }, one));
  const ms = performance.now() - started;
  if (applied !== o.expected - (o.expectedFailed ?? 0)) throw new Error(`worker applied ${applied} of ${o.expected - (o.expectedFailed ?? 0)}`);
  if (gaveUp !== (o.expectedFailed ?? 0)) throw new Error(`worker gave up on ${gaveUp} changes, not ${o.expectedFailed ?? 0}`);
  return { n: applied, batchSize: o.batchSize, ms, batches, rate: (applied / ms) * 1000 };
}

/**
 * The baseline: the same row updates in plain SQL, in batches of the same size and in the worker's
 * order — the change marked APPLIED with its credential erased, and the registrar upsert (in the
 * portal's transaction for `internal`, on Kamailio's database for `kamailio`). It skips what only
 * the product does: the claim (SELECT … FOR UPDATE SKIP LOCKED with its joins), unsealing, and the
 * audit row and the "反映が完了しました" email per change.
 */
export async function runBaseline(o: {
  database: Database;
  rows: BatchRow[];
  batchSize: number;
  provisioner: ProvisionerKind;
  kamailioUrl?: string;
  now?: Date;
}): Promise<RunResult> {
  const now = o.now ?? BATCH_NOW;
  const ordered = [...o.rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const kamailio = o.provisioner === "kamailio" ? new pg.Pool({ connectionString: o.kamailioUrl, max: 4 }) : null;
  kamailio?.on("error", () => undefined); // an idle connection lost at the end of a run must not end the bench
  let batches = 0;
  const started = performance.now();
  try {
    for (let i = 0; i < ordered.length; i += o.batchSize) {
      const part = ordered.slice(i, i + o.batchSize);
      batches++;
      await o.database.sql.transaction(async (q) => {
        if (kamailio) {
          await kamailio.query(
            `INSERT INTO subscriber (username, domain, password, ha1, ha1b)
             SELECT u, d, '', h1, h2 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(u, d, h1, h2)
             ON CONFLICT (username, domain) DO UPDATE SET ha1 = EXCLUDED.ha1, ha1b = EXCLUDED.ha1b, password = ''`,
            [part.map((r) => r.username), part.map((r) => r.realm), part.map((r) => r.ha1), part.map((r) => r.ha1b)],
          );
        } else {
          await upsertInternal(q, part, now);
        }
        await q(
          `UPDATE "PasswordChange" SET status = 'APPLIED', "appliedAt" = $1, credential = NULL, attempts = attempts + 1, "lastError" = NULL
            WHERE id = ANY($2::uuid[])`,
          [now, part.map((r) => r.id)],
        );
      });
    }
  } finally {
    await kamailio?.end();
  }
  const ms = performance.now() - started;
  return { n: ordered.length, batchSize: o.batchSize, ms, batches, rate: (ordered.length / ms) * 1000 };
}

async function upsertInternal(q: SqlQuery, part: BatchRow[], now: Date) {
  await q(
    `INSERT INTO "RegistrarCredential" (username, realm, ha1, ha1b, "lastChangeId", "updatedAt")
     SELECT u, r, h1, h2, c, $6 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::uuid[]) AS t(u, r, h1, h2, c)
     ON CONFLICT (username) DO UPDATE SET realm = EXCLUDED.realm, ha1 = EXCLUDED.ha1, ha1b = EXCLUDED.ha1b,
       "lastChangeId" = EXCLUDED."lastChangeId", "updatedAt" = EXCLUDED."updatedAt"`,
    [part.map((r) => r.username), part.map((r) => r.realm), part.map((r) => r.ha1), part.map((r) => r.ha1b), part.map((r) => r.id), now],
  );
}

export interface BatchCheck {
  applied: number;
  pending: number;
  withCredential: number;
  registrar: number;
  /** CHANGE_APPLIED audit rows and emails (the worker writes one of each per change; the baseline none). */
  auditApplied: number;
  mailApplied: number;
  /** FAILED changes and their "could not be reflected" emails. */
  failed: number;
  mailFailed: number;
}

/** Counts what a finished run must show: every change APPLIED with its credential erased, and the registrar rows. */
export async function checkBatch(database: Database, o: { provisioner: ProvisionerKind; kamailioUrl?: string; rows: BatchRow[] }): Promise<BatchCheck> {
  const [c] = await database.sql.query<{ applied: string; pending: string; cred: string; audit: string; mail: string; failed: string; mailFailed: string }>(
    `SELECT count(*) FILTER (WHERE status = 'APPLIED')::text AS applied, count(*) FILTER (WHERE status = 'PENDING')::text AS pending,
            count(*) FILTER (WHERE credential IS NOT NULL)::text AS cred,
            (SELECT count(*) FROM "AuditEvent" WHERE type = 'CHANGE_APPLIED')::text AS audit,
            (SELECT count(*) FROM "OutboxEmail" WHERE kind = 'CHANGE_APPLIED')::text AS mail,
            count(*) FILTER (WHERE status = 'FAILED')::text AS failed,
            (SELECT count(*) FROM "OutboxEmail" WHERE kind = 'CHANGE_FAILED')::text AS "mailFailed"
       FROM "PasswordChange"`,
  );
  let registrar: number;
  if (o.provisioner === "internal") {
    const [r] = await database.sql.query<{ n: string }>(`SELECT count(*)::text AS n FROM "RegistrarCredential" WHERE "lastChangeId" = ANY($1::uuid[])`, [o.rows.map((r) => r.id)]);
    registrar = Number(r?.n ?? 0);
  } else {
    const client = new pg.Client({ connectionString: o.kamailioUrl });
    await client.connect();
    const ha1 = new Map(o.rows.map((r) => [r.username, r.ha1]));
    const { rows } = await client.query<{ username: string; ha1: string }>(`SELECT username, ha1 FROM subscriber WHERE username = ANY($1::text[])`, [[...ha1.keys()]]);
    await client.end();
    registrar = rows.filter((r) => ha1.get(r.username) === r.ha1).length;
  }
  return {
    applied: Number(c?.applied ?? 0),
    pending: Number(c?.pending ?? 0),
    withCredential: Number(c?.cred ?? 0),
    registrar,
    auditApplied: Number(c?.audit ?? 0),
    mailApplied: Number(c?.mail ?? 0),
    failed: Number(c?.failed ?? 0),
    mailFailed: Number(c?.mailFailed ?? 0),
  };
}
