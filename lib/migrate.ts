import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Database } from "./db";

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

/** A migration that failed; the database is left as it was before it. */
export class MigrationError extends Error {
  constructor(
    readonly migration: string,
    cause: unknown,
  ) {
    super(`Migration ${migration} failed and was rolled back: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "MigrationError";
  }
}

export const DEFAULT_MIGRATIONS_DIR = path.join(/*turbopackIgnore: true*/ process.cwd(), "prisma", "migrations");

/** Reads prisma/migrations/<timestamp>_<name>/migration.sql in name order. */
export function readMigrations(dir = DEFAULT_MIGRATIONS_DIR): Migration[] {
  if (!existsSync(/*turbopackIgnore: true*/ dir)) throw new Error(`No migrations folder at ${dir}`);
  return readdirSync(/*turbopackIgnore: true*/ dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(/*turbopackIgnore: true*/ path.join(dir, d.name, "migration.sql")))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(/*turbopackIgnore: true*/ path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

// Prisma's own bookkeeping table, so that a normal Prisma CLI (`prisma migrate status/deploy`) on a
// laptop sees the same history (docs/decisions/002-sql-migrations-runner.md).
const BOOKKEEPING = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

// Any number of processes may start at once against one PostgreSQL: they queue on this lock.
const LOCK_KEY = 72707369;

/**
 * Applies every migration not yet recorded, each in its own transaction together with its
 * record, so a failing one leaves the database exactly as it was. Returns the names applied.
 */
export async function migrate(database: Database, migrations = readMigrations()): Promise<string[]> {
  const applied: string[] = [];
  await database.sql.transaction(async (q) => { await q("SELECT pg_advisory_xact_lock($1)", [LOCK_KEY]); await q(BOOKKEEPING); }); // locked: concurrent first starts race on CREATE TABLE IF NOT EXISTS
  for (const m of migrations) {
    try {
      const done = await database.sql.transaction(async (q) => {
        await q("SELECT pg_advisory_xact_lock($1)", [LOCK_KEY]);
        const rows = await q<{ checksum: string }>(
          `SELECT checksum FROM "_prisma_migrations" WHERE migration_name = $1 AND finished_at IS NOT NULL AND rolled_back_at IS NULL`,
          [m.name],
        );
        if (rows.length > 0) {
          if (rows[0]!.checksum !== m.checksum) {
            throw new Error(`already applied with a different checksum: the file was edited after it ran; add a new migration instead`);
          }
          return false;
        }
        await q(m.sql);
        await q(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count, started_at) VALUES ($1, $2, now(), $3, 1, now())`,
          [randomUUID(), m.checksum, m.name],
        );
        return true;
      });
      if (done) applied.push(m.name);
    } catch (error) {
      throw new MigrationError(m.name, error);
    }
  }
  return applied;
}
