import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { startPgliteMaintenance } from "@/lib/background";
import { setProcessDatabase } from "@/lib/db";
import { installTestSecrets, seedDueChanges } from "@/testing/changes";
import { createTestDatabase, testDbKind, type TestDatabase } from "../helpers/db";

// PGlite runs no autovacuum: the server vacuums and analyses it itself, at start and every 10
// minutes. Without statistics the planner sorts the whole queue on every claim (docs/benchmarks.md).
installTestSecrets();

let database: TestDatabase;
afterAll(async () => {
  setProcessDatabase(undefined);
  await database?.close();
});

const reltuples = async () =>
  Number((await database.sql.query<{ n: number }>(`SELECT reltuples::float8 AS n FROM pg_class WHERE relname = 'PasswordChange'`))[0]?.n);

describe("PGlite maintenance", () => {
  it("analyses the embedded database as soon as the server starts (and leaves PostgreSQL to autovacuum)", async () => {
    // startPgliteMaintenance is process wiring: it reads the process's database.
    database = await createTestDatabase({ asProcessDatabase: true });
    await seedDueChanges(database, { count: 300, requestedAt: new Date("2026-11-25T03:00:00Z"), service: "B2BUA" });
    const before = await reltuples();
    const stop = startPgliteMaintenance();
    if (testDbKind !== "pglite") {
      expect(stop).toBeNull();
      return;
    }
    expect(stop).not.toBeNull();
    expect(before).not.toBe(300);
    try {
      for (let i = 0; i < 100 && (await reltuples()) < 300; i++) await sleep(100);
      expect(await reltuples()).toBe(300);
    } finally {
      await stop!();
    }
  });
});
