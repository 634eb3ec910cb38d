import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { migrate, MigrationError, readMigrations, type Migration } from "@/lib/migrate";
import { createTestDatabase, testDbKind, type TestDatabase } from "@/tests/helpers/db";

// Runs on PGlite (default) and on PostgreSQL (TEST_DB=postgres TEST_DATABASE_URL=...).

const opened: TestDatabase[] = [];
async function freshDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase({ migrate: false });
  opened.push(database);
  return database;
}
afterEach(async () => {
  while (opened.length > 0) await opened.pop()!.close();
});

function migration(name: string, sql: string): Migration {
  return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
}

async function tableExists(database: TestDatabase, table: string): Promise<boolean> {
  const rows = await database.sql.query<{ found: string | null }>(`SELECT to_regclass($1)::text AS found`, [`public."${table}"`]);
  return rows[0]?.found != null;
}

interface Recorded {
  migration_name: string;
  checksum: string;
  finished_at: Date | string | null;
  rolled_back_at: Date | string | null;
  applied_steps_count: number;
}
async function recorded(database: TestDatabase): Promise<Recorded[]> {
  return database.sql.query<Recorded>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`,
  );
}

/** Runs `fn` and returns the error it throws (fails the test if it does not throw). */
async function errorOf(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
}

describe(`migrate (${testDbKind})`, () => {
  it("applies every migration of prisma/migrations once, in order, and records each in _prisma_migrations", async () => {
    const database = await freshDatabase();
    const files = readMigrations();
    expect(files.length).toBeGreaterThan(0);
    for (const m of files) expect(m.name).toMatch(/^\d{14}_[a-z0-9_]+$/);

    const applied = await migrate(database);
    expect(applied).toEqual(files.map((m) => m.name));

    const rows = await recorded(database);
    expect(rows.map((r) => r.migration_name)).toEqual(files.map((m) => m.name));
    for (const [i, row] of rows.entries()) {
      expect(row.checksum).toBe(files[i]!.checksum);
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(row.finished_at).not.toBeNull();
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it("applies nothing twice", async () => {
    const database = await freshDatabase();
    await migrate(database);
    const before = await recorded(database);
    expect(await migrate(database)).toEqual([]);
    expect(await migrate(database)).toEqual([]);
    expect(await recorded(database)).toEqual(before);
  });

  it("creates the schema's tables", async () => {
    const database = await freshDatabase();
    for (const table of ["Customer", "Line", "PasswordChange"]) expect(await tableExists(database, table), table).toBe(false);
    await migrate(database);
    for (const table of ["Customer", "StaffUser", "Line", "PasswordChange", "RegistrarCredential", "LoginChallenge", "OutboxEmail", "AuditEvent"]) {
      expect(await tableExists(database, table), table).toBe(true);
    }
    // The Prisma client agrees with the migrated schema.
    expect(await database.prisma.customer.count()).toBe(0);
    expect(await database.prisma.passwordChange.count()).toBe(0);
  });

  it("allows only one PENDING change per line (partial unique index)", async () => {
    const database = await freshDatabase();
    await migrate(database);
    const q = database.sql.query;
    const [customer] = await q<{ id: string }>(
      `INSERT INTO "Customer" ("selfcareId", "passwordHash", "email") VALUES ('c1', 'x', 'c1@example.jp') RETURNING id`,
    );
    const [line] = await q<{ id: string }>(
      `INSERT INTO "Line" ("number", "customerId", "service", "passwordHash") VALUES ('05012345678', $1, 'B2BUA', 'x') RETURNING id`,
      [customer!.id],
    );
    const insertChange = (key: string, status: string) =>
      q<{ id: string }>(
        `INSERT INTO "PasswordChange" ("lineId", "idempotencyKey", "requestedAt", "dueAt", "deadline", "status", "credential", "nextAttemptAt")
         VALUES ($1, $2, '2026-11-25T14:00:00+09:00', '2026-11-25T17:30:00+09:00', '2026-11-25T17:30:00+09:00', $3::"ChangeStatus", 'sealed', '2026-11-25T17:30:00+09:00')
         RETURNING id`,
        [line!.id, key, status],
      );

    const [first] = await insertChange("k1", "PENDING");
    const error = (await errorOf(() => insertChange("k2", "PENDING"))) as { code?: string; message: string };
    expect(error.code).toBe("23505");
    expect(error.message).toContain("PasswordChange_one_pending_per_line");
    expect(await q(`SELECT id FROM "PasswordChange" WHERE status = 'PENDING'`)).toHaveLength(1);

    // The index is partial: other statuses are unlimited, and once applied a new change may wait.
    await insertChange("k3", "SUPERSEDED");
    await insertChange("k4", "SUPERSEDED");
    await q(`UPDATE "PasswordChange" SET status = 'APPLIED', credential = NULL WHERE id = $1`, [first!.id]);
    await insertChange("k5", "PENDING");

    // ... and it is per line: another line may have its own pending change.
    const [other] = await q<{ id: string }>(
      `INSERT INTO "Line" ("number", "customerId", "service", "passwordHash") VALUES ('05087654321', $1, 'IP_PHONE', 'x') RETURNING id`,
      [customer!.id],
    );
    await q(
      `INSERT INTO "PasswordChange" ("lineId", "idempotencyKey", "requestedAt", "dueAt", "deadline", "credential", "nextAttemptAt")
       VALUES ($1, 'k6', now(), now(), now() + interval '15 minutes', 'sealed', now())`,
      [other!.id],
    );
    expect(await q(`SELECT id FROM "PasswordChange" WHERE status = 'PENDING'`)).toHaveLength(2);
  });

  it("rolls a failing migration back completely and throws MigrationError", async () => {
    const database = await freshDatabase();
    const good = migration("20990101000000_good", `CREATE TABLE "GoodOne" ("id" INTEGER PRIMARY KEY);`);
    const bad = migration(
      "20990101000001_bad",
      `CREATE TABLE "BadOne" ("id" INTEGER PRIMARY KEY);
       INSERT INTO "BadOne" VALUES (1);
       INSERT INTO "GoodOne" VALUES (1);
       SELECT 1 / 0;`,
    );
    const later = migration("20990101000002_later", `CREATE TABLE "LaterOne" ("id" INTEGER PRIMARY KEY);`);

    const error = await errorOf(() => migrate(database, [good, bad, later]));
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).migration).toBe(bad.name);
    expect((error as MigrationError).message).toContain(bad.name);

    // The good one stays applied; nothing of the bad one (its table, its row, its writes) remains;
    // the one after it was not attempted.
    expect(await tableExists(database, "GoodOne")).toBe(true);
    expect(await database.sql.query(`SELECT * FROM "GoodOne"`)).toEqual([]);
    expect(await tableExists(database, "BadOne")).toBe(false);
    expect(await tableExists(database, "LaterOne")).toBe(false);
    expect((await recorded(database)).map((r) => r.migration_name)).toEqual([good.name]);

    // Once fixed, the run resumes where it stopped.
    const fixed = migration(bad.name, `CREATE TABLE "BadOne" ("id" INTEGER PRIMARY KEY);`);
    expect(await migrate(database, [good, fixed, later])).toEqual([fixed.name, later.name]);
    expect((await recorded(database)).map((r) => r.migration_name)).toEqual([good.name, fixed.name, later.name]);
  });

  it("refuses an already-applied migration whose file was edited", async () => {
    const database = await freshDatabase();
    const original = migration("20990101000000_first", `CREATE TABLE "First" ("id" INTEGER PRIMARY KEY);`);
    expect(await migrate(database, [original])).toEqual([original.name]);

    const edited = migration(original.name, `CREATE TABLE "First" ("id" INTEGER PRIMARY KEY);\nCREATE TABLE "Edited" ("id" INTEGER);`);
    expect(edited.checksum).not.toBe(original.checksum);
    const next = migration("20990101000001_second", `CREATE TABLE "Second" ("id" INTEGER PRIMARY KEY);`);

    const error = await errorOf(() => migrate(database, [edited, next]));
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).migration).toBe(original.name);
    expect((error as MigrationError).message).toMatch(/checksum/);
    expect(await tableExists(database, "Edited")).toBe(false);
    expect(await tableExists(database, "Second")).toBe(false);
    const rows = await recorded(database);
    expect(rows.map((r) => [r.migration_name, r.checksum])).toEqual([[original.name, original.checksum]]);
  });

  it("lets concurrent runs on one database apply each migration exactly once", async () => {
    const database = await freshDatabase();
    const [a, b] = await Promise.all([migrate(database), migrate(database)]);
    const names = readMigrations().map((m) => m.name);
    expect([...a, ...b].sort()).toEqual(names);
    expect((await recorded(database)).map((r) => r.migration_name)).toEqual(names);
  });

  it.runIf(testDbKind === "postgres")("lets several processes (separate pools) start at once on PostgreSQL", async () => {
    const database = await freshDatabase();
    const others = [database.openSecond!(), database.openSecond!(), database.openSecond!()];
    try {
      const results = await Promise.all([database, ...others].map((d) => migrate(d)));
      const names = readMigrations().map((m) => m.name);
      expect(results.flat().sort()).toEqual(names);
      expect((await recorded(database)).map((r) => r.migration_name)).toEqual(names);
    } finally {
      await Promise.all(others.map((d) => d.close()));
    }
  });
});
