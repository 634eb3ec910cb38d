import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqlIn } from "@/lib/db";
import { createTestDatabase, testDbKind, type TestDatabase } from "../helpers/db";

// sqlIn(tx) runs raw SQL on a Prisma interactive transaction: what it writes is seen by the
// transaction's Prisma reads, and commits or rolls back with them (lib/db.ts).
let database: TestDatabase;
let customerId: string;
beforeAll(async () => {
  database = await createTestDatabase();
  const c = await database.prisma.customer.create({ data: { selfcareId: "sqlin0001", email: "before@example.jp", passwordHash: "x" } });
  customerId = c.id;
});
afterAll(async () => {
  await database?.close();
});

const emailNow = async () => (await database.prisma.customer.findUniqueOrThrow({ where: { id: customerId }, select: { email: true } })).email;

describe(`sqlIn: raw SQL inside a Prisma transaction (${testDbKind})`, () => {
  it("a statement through sqlIn(tx) rolls back with the Prisma transaction", async () => {
    class Abort extends Error {}
    let seenInside: string | undefined;
    await expect(
      database.prisma.$transaction(async (tx) => {
        const rows = await sqlIn(tx)<{ email: string }>(`UPDATE "Customer" SET email = $1 WHERE id = $2::uuid RETURNING email`, ["during@example.jp", customerId]);
        expect(rows).toEqual([{ email: "during@example.jp" }]);
        // The same transaction: Prisma's read sees the raw write.
        seenInside = (await tx.customer.findUniqueOrThrow({ where: { id: customerId }, select: { email: true } })).email;
        await tx.auditEvent.create({ data: { type: "LOGOUT", actor: "customer", at: new Date(), customerId, details: {} } });
        throw new Abort();
      }),
    ).rejects.toBeInstanceOf(Abort);
    expect(seenInside).toBe("during@example.jp");
    expect(await emailNow()).toBe("before@example.jp");
    expect(await database.prisma.auditEvent.count({ where: { customerId } })).toBe(0);
  });

  it("and commits with it", async () => {
    await database.prisma.$transaction(async (tx) => {
      const [locked] = await sqlIn(tx)<{ email: string }>(`SELECT email FROM "Customer" WHERE id = $1::uuid FOR UPDATE`, [customerId]);
      expect(locked?.email).toBe("before@example.jp");
      await sqlIn(tx)(`UPDATE "Customer" SET email = $1 WHERE id = $2::uuid`, ["after@example.jp", customerId]);
    });
    expect(await emailNow()).toBe("after@example.jp");
  });
});
