import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { PrismaPg } from "@prisma/adapter-pg";
import { mkdirSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "@/generated/prisma/client";
import { env } from "./env";
import { log } from "./log";

export type { PrismaClient };
export type Tx = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

/** Plain SQL access beside Prisma: the migration runner and a few set-based statements use it. */
export interface SqlRunner {
  /** Runs `fn` inside one transaction on one connection. */
  transaction<T>(fn: (q: SqlQuery) => Promise<T>): Promise<T>;
  query: SqlQuery;
}
export type SqlQuery = <R = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<R[]>;

/**
 * Raw SQL on a Prisma interactive transaction: a use-case inside `database.prisma.$transaction` runs
 * a statement Prisma cannot express (a row lock, a set-based UPDATE) on that same transaction, so it
 * commits and rolls back with the rest. One statement per call ($1, $2… are `params`).
 */
export function sqlIn(tx: Tx): SqlQuery {
  return async (sql, params) => tx.$queryRawUnsafe(sql, ...(params ?? []));
}

export interface Database {
  kind: "pglite" | "postgres";
  prisma: PrismaClient;
  sql: SqlRunner;
  close(): Promise<void>;
}

// Under a burst (200 customers signing in at once) a request may queue for seconds for one of the
// pool's connections. Prisma's defaults — 2 s to start an interactive transaction, 5 s to finish
// it — turned that queueing into "Unable to start a transaction in the given time" and an
// unexpected error for most of them on PostgreSQL (tests/e2e/load.spec.ts). Waiting is the answer.
export const TRANSACTION_OPTIONS = { maxWait: 15_000, timeout: 20_000 } as const;

/** Opens PGlite in `dir` (or in memory when `dir` is undefined). */
export function openPglite(dir: string | undefined): Database {
  if (dir) mkdirSync(dir, { recursive: true });
  // pg_trgm ships with PGlite as a loadable extension: the support search's trigram indexes
  // (migration 20261202190000_scale) need it loaded before CREATE EXTENSION can find it.
  const options = { extensions: { pg_trgm } };
  const lite = dir ? new PGlite(dir, options) : new PGlite(options);
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(lite), transactionOptions: TRANSACTION_OPTIONS });
  // Without parameters a text may hold several statements (migrations): PGlite runs those with exec().
  const runner =
    (target: Pick<PGlite, "query" | "exec">): SqlQuery =>
    async (sql, params) => {
      if (params && params.length > 0) return (await target.query(sql, params)).rows as never;
      const results = await target.exec(sql);
      return (results.at(-1)?.rows ?? []) as never;
    };
  return {
    kind: "pglite",
    prisma,
    sql: {
      query: runner(lite),
      transaction: (fn) => lite.transaction(async (tx) => fn(runner(tx))),
    },
    close: async () => {
      await prisma.$disconnect();
      await lite.close();
    },
  };
}

/** Opens a PostgreSQL server through node-postgres (one pool shared by Prisma and plain SQL). */
export function openPostgres(url: string, poolSize = 10): Database {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle pooled connection that the server ends (a restart, an administrator, a dropped test
  // database) emits "error" on the pool: unheard, it would end the process. The pool discards that
  // connection and opens a new one for the next query, so a warning is all it takes.
  pool.on("error", (error) => log.warn({ err: error.message, code: (error as { code?: string }).code }, "idle database connection lost"));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool), transactionOptions: TRANSACTION_OPTIONS });
  const query: SqlQuery = async (sql, params) => (await pool.query(sql, params)).rows as never;
  return {
    kind: "postgres",
    prisma,
    sql: {
      query,
      transaction: async (fn) => {
        const client = await pool.connect();
        try {
          await client.query("BEGIN");
          const result = await fn(async (sql, params) => (await client.query(sql, params)).rows as never);
          await client.query("COMMIT");
          return result;
        } catch (error) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw error;
        } finally {
          client.release();
        }
      },
    },
    close: async () => {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

/** The database this process is configured for: PostgreSQL with DATABASE_URL, else embedded PGlite. */
export function openConfiguredDatabase(): Database {
  const e = env();
  return e.DATABASE_URL ? openPostgres(e.DATABASE_URL) : openPglite(path.resolve(e.DATA_DIR, "pglite"));
}

const holder = globalThis as unknown as { __selfcareDb?: Database };

/**
 * The process's one database (opened lazily, never at build time). Only the process's edges read
 * it — server actions, pages, route handlers, lib/web, next-auth, the background loops and boot —
 * and pass it to the use-cases, which take it as their first parameter (eslint.config.mjs).
 */
export function database(): Database {
  holder.__selfcareDb ??= openConfiguredDatabase();
  return holder.__selfcareDb;
}

/** Replaces the process's database (tests, benchmarks). */
export function setProcessDatabase(database: Database | undefined): void {
  holder.__selfcareDb = database;
}
