import type { PrismaClient } from "./db";
import type { ServiceType } from "./schedule";
import { hashSecret } from "./auth/password";

/** The fixed demo accounts QA and support scripts rely on (README lists them). */
export const DEMO_CUSTOMERS: ReadonlyArray<{
  selfcareId: string;
  password: string;
  email: string;
  lines: ReadonlyArray<{ number: string; service: ServiceType; password: string }>;
}> = [
  {
    selfcareId: "demo0001",
    password: "Demo-pass-0001",
    email: "demo0001@example.jp",
    lines: [
      { number: "05012345678", service: "IP_PHONE", password: "abcd1234" },
      { number: "05087654321", service: "B2BUA", password: "efgh5678" },
    ],
  },
  {
    selfcareId: "demo0002",
    password: "Demo-pass-0002",
    email: "demo0002@example.jp",
    lines: [{ number: "05011112222", service: "B2BUA_OPENGATE", password: "ijkl9012" }],
  },
];

export const DEMO_STAFF = [{ loginId: "support01", password: "Support-pass-01", email: "support01@example.jp", role: "support" }] as const;

/**
 * Creates the demo accounts that are missing (idempotent: existing rows are left alone, so a
 * changed demo password stays changed). Returns how many customers were created.
 */
export async function seedDemo(prisma: PrismaClient): Promise<number> {
  let created = 0;
  for (const c of DEMO_CUSTOMERS) {
    if (await prisma.customer.findUnique({ where: { selfcareId: c.selfcareId } })) continue;
    const lines = await Promise.all(
      c.lines.map(async (l) => {
        const passwordHash = await hashSecret(l.password);
        return { number: l.number, service: l.service, passwordHash, baselinePasswordHash: passwordHash };
      }),
    );
    await prisma.customer.create({
      data: { selfcareId: c.selfcareId, email: c.email, passwordHash: await hashSecret(c.password), lines: { create: lines } },
    });
    created++;
  }
  for (const s of DEMO_STAFF) {
    if (await prisma.staffUser.findUnique({ where: { loginId: s.loginId } })) continue;
    await prisma.staffUser.create({
      data: { loginId: s.loginId, email: s.email, role: s.role, passwordHash: await hashSecret(s.password) },
    });
  }
  return created;
}
