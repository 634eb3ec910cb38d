// Test data for the test-data API (testing/api.ts), the integration tests and the QA kit. Lives
// outside lib/: production builds do not contain it (next.config.ts aliases testing/api.ts away).
import { z } from "zod";
import { hashSecret } from "@/lib/auth/password";
import type { Database } from "@/lib/db";
import { SERVICE_TYPES } from "@/lib/schedule";
import { hasControlCharacter } from "@/lib/validation/text";

/** A login ID given to the test-data API's DELETE (same rules as the POST bodies), or null. */
export function testLoginIdParam(value: string | null): string | null {
  return value && value.length <= 64 && !hasControlCharacter(value) ? value : null;
}

// Test data is stored as given: control characters (NUL cannot be stored at all) are refused.
const storable = (max: number) => z.string().min(1).max(max).refine((s) => !hasControlCharacter(s), "control characters are not allowed");

export const testCustomerSchema = z.object({
  selfcareId: storable(64),
  password: z.string().min(1).max(128),
  email: z.email(),
  locale: z.enum(["ja", "en"]).default("ja"),
  lines: z
    .array(z.object({ number: z.string().regex(/^050\d{8}$/), service: z.enum(SERVICE_TYPES), password: z.string().regex(/^[a-z0-9]{8}$/) }))
    .max(10)
    .default([]),
});

/** Creates a customer with lines, for end-to-end tests and the QA kit (replaces one of the same ID). */
export async function createTestCustomer(database: Database, input: z.infer<typeof testCustomerSchema>): Promise<{ id: string }> {
  const prisma = database.prisma;
  await prisma.customer.deleteMany({ where: { selfcareId: input.selfcareId } });
  await prisma.line.deleteMany({ where: { number: { in: input.lines.map((l) => l.number) } } });
  const lines = await Promise.all(
    input.lines.map(async (l) => {
      const passwordHash = await hashSecret(l.password);
      return { number: l.number, service: l.service, passwordHash, baselinePasswordHash: passwordHash };
    }),
  );
  const c = await prisma.customer.create({
    data: { selfcareId: input.selfcareId, email: input.email, locale: input.locale, passwordHash: await hashSecret(input.password), lines: { create: lines } },
  });
  return { id: c.id };
}

export async function deleteTestCustomer(database: Database, selfcareId: string): Promise<number> {
  return (await database.prisma.customer.deleteMany({ where: { selfcareId } })).count;
}

export const testStaffSchema = z.object({ loginId: storable(64), password: z.string().min(1).max(128), email: z.email() });

/** Creates a staff member (replaces one of the same login ID). */
export async function createTestStaff(database: Database, input: z.infer<typeof testStaffSchema>): Promise<{ id: string }> {
  const prisma = database.prisma;
  await prisma.staffUser.deleteMany({ where: { loginId: input.loginId } });
  const s = await prisma.staffUser.create({ data: { loginId: input.loginId, email: input.email, passwordHash: await hashSecret(input.password) } });
  return { id: s.id };
}

export async function deleteTestStaff(database: Database, loginId: string): Promise<number> {
  return (await database.prisma.staffUser.deleteMany({ where: { loginId } })).count;
}

export const testCustomerBulkSchema = z.object({
  /** Customers are named `${prefix}${i}` (i = 0 … count-1, zero-padded to 4), mailed at `${prefix}${i}@example.jp`. */
  prefix: z.string().regex(/^[a-z][a-z0-9]{0,31}$/),
  count: z.number().int().min(1).max(5000),
  /** The self-care password of every one of them (hashed once: this is test data). */
  password: z.string().min(1).max(128),
  /** Each customer has one line, numbered `${numberPrefix}${i}` zero-padded to 11 digits in all. */
  numberPrefix: z.string().regex(/^050\d{0,4}$/),
  /** The line's service, by position: services[i % services.length]. */
  services: z.array(z.enum(SERVICE_TYPES)).min(1).max(SERVICE_TYPES.length),
  /** The current password of every line (hashed once). */
  linePassword: z.string().regex(/^[a-z0-9]{8}$/),
});

/**
 * Many customers with one line each in two statements, for load tests: the passwords are hashed once
 * and shared, so seeding 1,000 customers costs two argon2 hashes, not 2,000. Replaces customers and
 * lines of the same IDs and numbers. Returns the IDs in order.
 */
export async function createTestCustomersBulk(database: Database, input: z.infer<typeof testCustomerBulkSchema>): Promise<{ customers: { id: string; selfcareId: string; email: string; number: string; service: string }[] }> {
  const prisma = database.prisma;
  const width = 11 - input.numberPrefix.length;
  if (String(input.count - 1).length > width) throw new Error("numberPrefix leaves too few digits for count");
  const rows = Array.from({ length: input.count }, (_, i) => {
    const selfcareId = `${input.prefix}${String(i).padStart(4, "0")}`;
    return { selfcareId, email: `${selfcareId}@example.jp`, number: `${input.numberPrefix}${String(i).padStart(width, "0")}`, service: input.services[i % input.services.length]! };
  });
  const [passwordHash, linePasswordHash] = await Promise.all([hashSecret(input.password), hashSecret(input.linePassword)]);
  return prisma.$transaction(async (tx) => {
    await tx.customer.deleteMany({ where: { selfcareId: { in: rows.map((r) => r.selfcareId) } } });
    await tx.line.deleteMany({ where: { number: { in: rows.map((r) => r.number) } } });
    const created = await tx.customer.createManyAndReturn({
      data: rows.map((r) => ({ selfcareId: r.selfcareId, email: r.email, locale: "ja", passwordHash })),
      select: { id: true, selfcareId: true },
    });
    const idOf = new Map(created.map((c) => [c.selfcareId, c.id]));
    await tx.line.createMany({ data: rows.map((r) => ({ number: r.number, service: r.service, customerId: idOf.get(r.selfcareId)!, passwordHash: linePasswordHash, baselinePasswordHash: linePasswordHash })) });
    return { customers: rows.map((r) => ({ id: idOf.get(r.selfcareId)!, ...r })) };
  });
}

/** Row counts and content digests of every table, for tests that assert "nothing was written". */
export async function testTableCounts(database: Database): Promise<Record<string, unknown>> {
  const prisma = database.prisma;
  const groups = async (table: string, column: string) => {
    const rows = await prisma.$queryRawUnsafe<{ k: string; n: number }[]>(`SELECT "${column}"::text AS k, count(*)::int AS n FROM "${table}" GROUP BY 1 ORDER BY 1`);
    return Object.fromEntries(rows.map((r) => [r.k, r.n]));
  };
  const count = async (table: string) => (await prisma.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM "${table}"`))[0]!.n;
  // md5 of every row's text form, in key order: any insert, update or delete of the table changes it.
  const digest = async (table: string, key = "id") =>
    (await prisma.$queryRawUnsafe<{ d: string }[]>(`SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t."${key}"), '')) AS d FROM "${table}" t`))[0]!.d;
  const [passwordChangeByStatus, outboxByKind, outboxByStatus, auditByType] = await Promise.all([
    groups("PasswordChange", "status"),
    groups("OutboxEmail", "kind"),
    groups("OutboxEmail", "status"),
    groups("AuditEvent", "type"),
  ]);
  return {
    Customer: await count("Customer"),
    StaffUser: await count("StaffUser"),
    Line: await count("Line"),
    PasswordChange: await count("PasswordChange"),
    PasswordChangeByStatus: passwordChangeByStatus,
    RegistrarCredential: await count("RegistrarCredential"),
    LoginChallenge: await count("LoginChallenge"),
    AuthSession: await count("AuthSession"),
    OutboxEmail: await count("OutboxEmail"),
    OutboxEmailByKind: outboxByKind,
    OutboxEmailByStatus: outboxByStatus,
    AuditEvent: await count("AuditEvent"),
    AuditEventByType: auditByType,
    RateLimiterFlexible: await count("RateLimiterFlexible"),
    digest: {
      Customer: await digest("Customer"),
      StaffUser: await digest("StaffUser"),
      Line: await digest("Line"),
      PasswordChange: await digest("PasswordChange"),
      RegistrarCredential: await digest("RegistrarCredential", "username"),
      LoginChallenge: await digest("LoginChallenge"),
      OutboxEmail: await digest("OutboxEmail"),
      RateLimiterFlexible: await digest("RateLimiterFlexible", "key"),
    },
  };
}
