import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLogin } from "@/lib/auth/login";
import { hashSecret, verifySecret } from "@/lib/auth/password";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

// Moved from tests/integration/login.test.ts (issue 16, item 9): its medians were measured while
// other integration files ran at once. Here, in the timing project (`npm run test:timing`), it runs
// on its own: the unknown-ID path verifies a dummy argon2 hash, so it takes an argon2 check's time.
const T0 = new Date("2026-11-25T05:00:00.000Z");
const NO_IP = { ip: null, userAgent: null };

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

describe("wrong credentials, timed", () => {
  it("answers an unknown ID no faster than an argon2 check (a dummy hash is verified)", async () => {
    const hash = await hashSecret(`Pw-${randomBytes(6).toString("hex")}`);
    const time = async (f: () => Promise<unknown>) => {
      const t = performance.now();
      await f().catch(() => undefined);
      return performance.now() - t;
    };
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    // Warm the dummy hash first; then alternate to spread noise evenly.
    await time(() => startLogin(database, { kind: "customer", loginId: "nobody-warmup", password: "x", now: T0, client: NO_IP }));
    const unknown: number[] = [];
    const argon: number[] = [];
    for (let i = 0; i < 5; i++) {
      unknown.push(await time(() => startLogin(database, { kind: "customer", loginId: `nobody-${i}`, password: "x", now: T0, client: NO_IP })));
      argon.push(await time(() => verifySecret(hash, "x")));
    }
    // The unknown-ID path contains one argon2 verification; without it, it would take a few milliseconds.
    expect(median(unknown)).toBeGreaterThan(median(argon) * 0.6);
  });
});
