import { z } from "zod";
import { hashSecret } from "../auth/password";
import { db } from "../db";
import { env } from "../env";

/** The test-data API exists only outside production and only when TEST_API_TOKEN is set. */
export function testApiAllowed(token: string | null): boolean {
  const e = env();
  return e.APP_ENV !== "production" && Boolean(e.TEST_API_TOKEN) && token === e.TEST_API_TOKEN;
}

export const testCustomerSchema = z.object({
  selfcareId: z.string().min(1).max(64),
  password: z.string().min(1).max(128),
  email: z.email(),
  locale: z.enum(["ja", "en"]).default("ja"),
  lines: z
    .array(z.object({ number: z.string().regex(/^050\d{8}$/), service: z.enum(["IP_PHONE", "B2BUA", "B2BUA_OPENGATE"]), password: z.string().regex(/^[a-z0-9]{8}$/) }))
    .max(10)
    .default([]),
});

/** Creates a customer with lines, for end-to-end tests and the QA kit (replaces one of the same ID). */
export async function createTestCustomer(input: z.infer<typeof testCustomerSchema>): Promise<{ id: string }> {
  const prisma = db();
  await prisma.customer.deleteMany({ where: { selfcareId: input.selfcareId } });
  await prisma.line.deleteMany({ where: { number: { in: input.lines.map((l) => l.number) } } });
  const lines = await Promise.all(input.lines.map(async (l) => ({ number: l.number, service: l.service, passwordHash: await hashSecret(l.password) })));
  const c = await prisma.customer.create({
    data: { selfcareId: input.selfcareId, email: input.email, locale: input.locale, passwordHash: await hashSecret(input.password), lines: { create: lines } },
  });
  return { id: c.id };
}

export async function deleteTestCustomer(selfcareId: string): Promise<number> {
  return (await db().customer.deleteMany({ where: { selfcareId } })).count;
}

export const testStaffSchema = z.object({ loginId: z.string().min(1).max(64), password: z.string().min(1).max(128), email: z.email() });

/** Creates a staff member (replaces one of the same login ID). */
export async function createTestStaff(input: z.infer<typeof testStaffSchema>): Promise<{ id: string }> {
  const prisma = db();
  await prisma.staffUser.deleteMany({ where: { loginId: input.loginId } });
  const s = await prisma.staffUser.create({ data: { loginId: input.loginId, email: input.email, passwordHash: await hashSecret(input.password) } });
  return { id: s.id };
}

export async function deleteTestStaff(loginId: string): Promise<number> {
  return (await db().staffUser.deleteMany({ where: { loginId } })).count;
}
