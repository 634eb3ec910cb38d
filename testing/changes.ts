// Fast seeding of customers, lines and due PENDING password changes for the reflection tests.
// Everything is written with one set-based statement per table (unnest), so 10,000 changes take
// a second or two; argon2 is slow, so every seeded line shares one precomputed hash.
import { randomBytes, randomUUID } from "node:crypto";
import { hashSecret } from "@/lib/auth/password";
import { seal, unseal } from "@/lib/crypto/seal";
import type { Database, SqlQuery } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import type { ProvisionItem } from "@/lib/provisioning";
import { computeReflection, type ServiceType } from "@/lib/schedule";
import { sipCredential, type SipCredential } from "@/lib/sip/digest";

/** The sealing key the tests use (never a real one). */
export const TEST_CREDENTIAL_KEY_HEX = "7e57".repeat(16);
export const TEST_CREDENTIAL_KEY = Buffer.from(TEST_CREDENTIAL_KEY_HEX, "hex");
/** env.ts's default SIP_REALM, which change-password.ts uses when the variable is unset. */
export const TEST_REALM = "sip.example.jp";

/**
 * Gives lib/secrets.ts its two secrets through the environment, so that it never writes a
 * secrets file into the repository's DATA_DIR. Call at the top of a test file, before any domain code.
 */
export function installTestSecrets(): Buffer {
  process.env.CREDENTIAL_KEY = TEST_CREDENTIAL_KEY_HEX;
  process.env.NEXTAUTH_SECRET ??= "test-session-secret-0123456789abcdef";
  resetEnvCache();
  return TEST_CREDENTIAL_KEY;
}

/** The password behind the one precomputed line hash. */
export const SEEDED_LINE_PASSWORD = "seedpw01";
let lineHash: Promise<string> | undefined;
const seededLineHash = () => (lineHash ??= hashSecret(SEEDED_LINE_PASSWORD));

export interface SeedChangesOptions {
  /** How many changes (one line each). */
  count: number;
  requestedAt: Date;
  service?: ServiceType;
  /** Defaults to computeReflection(service, requestedAt).dueAt. */
  dueAt?: Date;
  realm?: string;
  key?: Buffer;
  /** Lines (and so changes) per customer; the default 1 makes "one email per customer" mean "per change". */
  linesPerCustomer?: number;
  locale?: "ja" | "en";
  /** The new password of the i-th change (default: a random 8-character one). */
  password?: (i: number) => string;
}

export interface SeededChange {
  id: string;
  lineId: string;
  customerId: string;
  selfcareId: string;
  email: string;
  number: string;
  password: string;
  credential: SipCredential;
  requestedAt: Date;
  dueAt: Date;
}

/** The next free 050 numbers: continues after the highest one in the database. */
export function freeNumbers(database: Database, count: number): Promise<string[]> {
  return nextNumbers(database.sql.query, count);
}

async function nextNumbers(q: SqlQuery, count: number): Promise<string[]> {
  const [row] = await q<{ n: string | null }>(`SELECT max(substr(number, 4))::text AS n FROM "Line" WHERE number ~ '^050[0-9]{8}$'`);
  const start = row?.n ? Number(row.n) + 1 : 10_000_000;
  if (start + count > 99_999_999) throw new RangeError("out of 050 numbers");
  return Array.from({ length: count }, (_, i) => `050${String(start + i).padStart(8, "0")}`);
}

/**
 * Creates `count` customers/lines, each with one PENDING change whose credential is sealed the way
 * lib/lines/change-password.ts seals it (AES-GCM, the change id as context).
 */
export async function seedDueChanges(database: Database, o: SeedChangesOptions): Promise<SeededChange[]> {
  const service = o.service ?? "IP_PHONE";
  const { dueAt: computedDue, deadline: computedDeadline } = computeReflection(service, o.requestedAt);
  const dueAt = o.dueAt ?? computedDue;
  const deadline = new Date(Math.max(computedDeadline.getTime(), dueAt.getTime()));
  const realm = o.realm ?? TEST_REALM;
  const key = o.key ?? TEST_CREDENTIAL_KEY;
  const perCustomer = Math.max(1, o.linesPerCustomer ?? 1);
  const passwordHash = await seededLineHash();
  const tag = randomBytes(4).toString("hex");

  return database.sql.transaction(async (q) => {
    const numbers = await nextNumbers(q, o.count);
    const customers: { id: string; selfcareId: string; email: string }[] = [];
    const changes: SeededChange[] = numbers.map((number, i) => {
      if (i % perCustomer === 0) {
        const selfcareId = `seed${tag}${customers.length}`;
        customers.push({ id: randomUUID(), selfcareId, email: `${selfcareId}@example.jp` });
      }
      const customer = customers.at(-1)!;
      const password = o.password?.(i) ?? randomBytes(6).toString("base64url").toLowerCase().replace(/[^a-z0-9]/g, "x").slice(0, 8);
      return {
        id: randomUUID(),
        lineId: randomUUID(),
        customerId: customer.id,
        selfcareId: customer.selfcareId,
        email: customer.email,
        number,
        password,
        credential: sipCredential(number, realm, password),
        requestedAt: o.requestedAt,
        dueAt,
      };
    });

    await q(
      `INSERT INTO "Customer" (id, "selfcareId", "passwordHash", email, locale)
       SELECT id, s, $4, e, $5 FROM unnest($1::uuid[], $2::text[], $3::text[]) AS t(id, s, e)`,
      [customers.map((c) => c.id), customers.map((c) => c.selfcareId), customers.map((c) => c.email), passwordHash, o.locale ?? "ja"],
    );
    await q(
      `INSERT INTO "Line" (id, number, "customerId", service, "passwordHash", "baselinePasswordHash")
       SELECT id, n, c, $4::"ServiceType", $5, $5 FROM unnest($1::uuid[], $2::text[], $3::uuid[]) AS t(id, n, c)`,
      [changes.map((c) => c.lineId), changes.map((c) => c.number), changes.map((c) => c.customerId), service, passwordHash],
    );
    await q(
      `INSERT INTO "PasswordChange" (id, "lineId", "idempotencyKey", "requestedAt", "dueAt", deadline, "nextAttemptAt", credential)
       SELECT id, l, k, $5, $6, $7, $6, s FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) AS t(id, l, k, s)`,
      [
        changes.map((c) => c.id),
        changes.map((c) => c.lineId),
        changes.map((c) => `seed-${c.id}`),
        changes.map((c) => seal(JSON.stringify(c.credential), key, c.id)),
        o.requestedAt,
        dueAt,
        deadline,
      ],
    );
    return changes;
  });
}

/** What the worker would hand to a provisioner for these changes (opened from the stored credential). */
export async function provisionItemsOf(database: Database, ids: string[], key: Buffer = TEST_CREDENTIAL_KEY): Promise<ProvisionItem[]> {
  const rows = await database.sql.query<{ id: string; credential: string | null }>(
    `SELECT id, credential FROM "PasswordChange" WHERE id = ANY($1::uuid[]) ORDER BY id`,
    [ids],
  );
  return rows.map((r) => {
    if (!r.credential) throw new Error(`change ${r.id} has no credential`);
    return { changeId: r.id, credential: JSON.parse(unseal(r.credential, key, r.id)) as SipCredential };
  });
}
