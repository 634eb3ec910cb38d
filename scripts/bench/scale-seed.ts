// The scale bench's data (issue 19): N customers with one line each and a year of history, seeded in
// SQL (generate_series) so that a million customers take minutes, not hours. Runs on PostgreSQL (the
// bench) and on PGlite (the smoke test in npm test, at a few thousand rows). Deterministic: customer
// i is `sc` + i zero-padded to 7 digits, its line 050 + (10,000,000 + i), its id md5('c' || i).
import { hashSecret } from "@/lib/auth/password";
import type { Database, SqlQuery } from "@/lib/db";

/** What a year of a million lines leaves behind, per customer (the measured database). */
export const SCALE_RATIOS = { changes: 2, audit: 10, emails: 3 } as const;

/** The known passwords of every seeded customer and line (the bench signs in and changes with them). */
export const SCALE_CUSTOMER_PASSWORD = "Scale-bench-pw-1";
export const SCALE_LINE_PASSWORD = "scalepw1";

/** The history ends here (the bench's "today" is the next day, 2026-11-25 in Japan). */
export const SCALE_HISTORY_END = new Date("2026-11-24T15:00:00.000Z");

export const scaleSelfcareId = (i: number) => `sc${String(i).padStart(7, "0")}`;
export const scaleNumber = (i: number) => `050${String(10_000_000 + i)}`;

export interface ScaleCounts {
  customers: number;
  changes: number;
  audit: number;
  emails: number;
}

export function scaleCounts(n: number): ScaleCounts {
  return { customers: n, changes: n * SCALE_RATIOS.changes, audit: n * SCALE_RATIOS.audit, emails: n * SCALE_RATIOS.emails };
}

const EMAIL_DOMAINS = "ARRAY['example.jp','mail.example.ne.jp','example.co.jp','docomo.example.jp','ezweb.example.jp']";
const UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
// About the size of a real "反映が完了しました" email (greeting, number, times, notes).
const BODY = `お客様\n\nIP加入電話のSIPパスワードの変更が反映されました。\n電話番号: 050-XXXX-XXXX\n反映日時: 2026年11月24日 17:30（日本時間）\n\nアダプターの設定を新しいパスワードに変更してください。お心当たりのない場合はサポートまでご連絡ください。\n\n`.repeat(2);

/** Indexes that do not back a constraint, with their definitions (dropped for the bulk load, built after). */
async function secondaryIndexes(q: SqlQuery, tables: string[]): Promise<{ name: string; def: string }[]> {
  return q<{ name: string; def: string }>(
    `SELECT i.indexname AS name, i.indexdef AS def FROM pg_indexes i
      WHERE i.schemaname = current_schema() AND i.tablename = ANY($1::text[])
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)`,
    [tables],
  );
}

/**
 * Seeds `n` customers (one line each) and a year of history: 2n finished changes, 10n audit events,
 * 3n sent emails, spread over the 365 days before SCALE_HISTORY_END. Secondary indexes are dropped
 * during the load and rebuilt after it (as a restore does), then the tables are analysed.
 * `progress` hears each step and how long it took.
 */
export async function seedScale(database: Database, n: number, progress: (step: string, ms: number) => void = () => undefined): Promise<ScaleCounts> {
  const counts = scaleCounts(n);
  const q = database.sql.query;
  const step = async (name: string, fn: () => Promise<unknown>) => {
    const t0 = performance.now();
    await fn();
    progress(name, performance.now() - t0);
  };
  const customerHash = await hashSecret(SCALE_CUSTOMER_PASSWORD);
  const lineHash = await hashSecret(SCALE_LINE_PASSWORD);
  const end = SCALE_HISTORY_END.toISOString();
  const tables = ["Customer", "Line", "PasswordChange", "AuditEvent", "OutboxEmail"];
  const indexes = await secondaryIndexes(q, tables);
  await step("drop secondary indexes", async () => {
    for (const i of indexes) await q(`DROP INDEX "${i.name}"`);
  });
  // In chunks: one statement per chunk keeps each transaction (and PGlite's memory) bounded.
  const chunked = async (total: number, size: number, sql: string, params: unknown[]) => {
    for (let from = 1; from <= total; from += size) await q(sql, [from, Math.min(total, from + size - 1), ...params]);
  };
  await step(`customers (${counts.customers})`, () =>
    chunked(
      n,
      250_000,
      `INSERT INTO "Customer" (id, "selfcareId", "passwordHash", email, locale, "createdAt")
       SELECT md5('c' || i)::uuid, 'sc' || lpad(i::text, 7, '0'), $3,
              'u' || substr(md5('e' || i), 1, 6) || '.' || i || '@' || (${EMAIL_DOMAINS})[1 + i % 5],
              CASE WHEN i % 10 = 0 THEN 'en' ELSE 'ja' END, $4::timestamptz - interval '400 days'
         FROM generate_series($1::int, $2::int) AS i`,
      [customerHash, end],
    ),
  );
  // A fifth of the lines are B2BUA (the 17:30 batch), a twentieth B2BUA_OPENGATE, the rest IP_PHONE.
  await step(`lines (${n})`, () =>
    chunked(
      n,
      250_000,
      `INSERT INTO "Line" (id, number, "customerId", service, "passwordHash", "baselinePasswordHash", "createdAt")
       SELECT md5('l' || i)::uuid, '050' || (10000000 + i)::text, md5('c' || i)::uuid,
              (CASE WHEN i % 5 = 0 THEN 'B2BUA' WHEN i % 20 = 1 THEN 'B2BUA_OPENGATE' ELSE 'IP_PHONE' END)::"ServiceType", $3, $3,
              $4::timestamptz - interval '400 days'
         FROM generate_series($1::int, $2::int) AS i`,
      [lineHash, end],
    ),
  );
  // Finished changes: each line about twice a year; three in four APPLIED, the others SUPERSEDED.
  await step(`changes (${counts.changes})`, () =>
    chunked(
      counts.changes,
      500_000,
      `INSERT INTO "PasswordChange" (id, "lineId", "idempotencyKey", "requestedAt", "dueAt", deadline, status, "nextAttemptAt", "appliedAt", "newPasswordHash", attempts, "createdAt")
       SELECT md5('p' || j)::uuid, md5('l' || (1 + (j * 7919::bigint) % $3))::uuid, 'hist-' || j, t, t, t + interval '15 minutes',
              (CASE WHEN j % 4 = 0 THEN 'SUPERSEDED' ELSE 'APPLIED' END)::"ChangeStatus", t, CASE WHEN j % 4 = 0 THEN NULL ELSE t END, $4, 1, t
         FROM (SELECT j, $5::timestamptz - ((j * 104729::bigint) % 31536000) * interval '1 second' AS t FROM generate_series($1::int, $2::int) AS j) s`,
      [n, lineHash, end],
    ),
  );
  // Audit events: sign-in steps mostly, with addresses and user agents as the web layer records them.
  await step(`audit events (${counts.audit})`, () =>
    chunked(
      counts.audit,
      1_000_000,
      `INSERT INTO "AuditEvent" (at, type, actor, "selfcareId", "customerId", "lineNumber", ip, "userAgent", details)
       SELECT $4::timestamptz - ((j * 7907::bigint) % 31536000) * interval '1 second',
              (ARRAY['LOGIN_PASSWORD_OK','CODE_SENT','LOGIN_SUCCESS','LOGOUT','CHANGE_ACCEPTED','CHANGE_APPLIED','LOGIN_FAILED','SESSION_EXPIRED','CODE_FAILED','LOGIN_SUCCESS'])[1 + j % 10],
              CASE WHEN j % 10 IN (5, 1) THEN 'system' ELSE 'customer' END,
              'sc' || lpad((1 + (j * 7919::bigint) % $3)::text, 7, '0'), md5('c' || (1 + (j * 7919::bigint) % $3))::uuid,
              CASE WHEN j % 10 IN (4, 5) THEN '050' || (10000000 + 1 + (j * 7919::bigint) % $3)::text END,
              '203.0.113.' || (j % 250), $5, jsonb_build_object('challengeId', md5('a' || j)::uuid)
         FROM generate_series($1::int, $2::int) AS j`,
      [n, end, UA],
    ),
  );
  // Sent emails; code emails (a third) have their body erased once sent, as the sender does.
  await step(`emails (${counts.emails})`, () =>
    chunked(
      counts.emails,
      500_000,
      `INSERT INTO "OutboxEmail" (id, kind, "toAddress", subject, body, sensitive, "customerId", status, attempts, "nextAttemptAt", "sentAt", "createdAt")
       SELECT md5('m' || j)::uuid, (ARRAY['LOGIN_CODE','CHANGE_ACCEPTED','CHANGE_APPLIED'])[1 + j % 3],
              'u' || substr(md5('e' || k), 1, 6) || '.' || k || '@' || (${EMAIL_DOMAINS})[1 + k % 5], '【IP電話】お知らせ',
              CASE WHEN j % 3 = 0 THEN '' ELSE $4 END, j % 3 = 0, md5('c' || k)::uuid, 'SENT', 1, t, t, t
         FROM (SELECT j, 1 + (j * 7919::bigint) % $3 AS k, $5::timestamptz - ((j * 6007::bigint) % 31536000) * interval '1 second' AS t
                 FROM generate_series($1::int, $2::int) AS j) s`,
      [n, BODY, end],
    ),
  );
  await step(`rebuild ${indexes.length} secondary indexes`, async () => {
    for (const i of indexes) await q(i.def);
  });
  await step("analyse", () => q(`ANALYZE`));
  return counts;
}

/** The database's size (PostgreSQL) in bytes, or null (PGlite). */
export async function databaseBytes(database: Database): Promise<number | null> {
  if (database.kind !== "postgres") return null;
  const [r] = await database.sql.query<{ b: string }>(`SELECT pg_database_size(current_database())::text AS b`);
  return r ? Number(r.b) : null;
}
