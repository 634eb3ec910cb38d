import { randomBytes } from "node:crypto";
import { openPglite, openPostgres, setProcessDatabase, type Database } from "@/lib/db";
import { migrate } from "@/lib/migrate";
import { createScratchDatabase } from "../fixtures/pg-database";

/** Which database the integration suite runs on: TEST_DB=postgres uses TEST_DATABASE_URL. */
export const testDbKind = process.env.TEST_DB === "postgres" ? "postgres" : "pglite";

/** A fresh PostgreSQL database on the TEST_DATABASE_URL server, created empty. */
async function createPgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = process.env.TEST_DATABASE_URL;
  if (!admin) throw new Error("TEST_DB=postgres needs TEST_DATABASE_URL");
  return createScratchDatabase(admin, `t_${randomBytes(6).toString("hex")}`);
}

export interface TestDatabase extends Database {
  /** A connection string (PostgreSQL only): a second, independent client can open it. */
  url?: string;
  /** Opens another, independent connection to the same database (PostgreSQL only). */
  openSecond?: () => Database;
}

/**
 * A new empty database with every migration applied. Use-cases are given it; only a test of
 * process wiring (lib/background.ts) asks for it to be installed as the process's database too.
 */
export async function createTestDatabase(options: { migrate?: boolean; asProcessDatabase?: boolean } = {}): Promise<TestDatabase> {
  let database: TestDatabase;
  if (testDbKind === "postgres") {
    const { url, drop } = await createPgDatabase();
    const opened = openPostgres(url, 20);
    database = {
      ...opened,
      url,
      openSecond: () => openPostgres(url, 20),
      close: async () => {
        await opened.close();
        await drop();
      },
    };
  } else {
    database = openPglite(undefined);
  }
  if (options.migrate !== false) await migrate(database);
  if (options.asProcessDatabase) setProcessDatabase(database);
  return database;
}
