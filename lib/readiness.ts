import type { Database } from "./db";
import { log } from "./log";
import { readMigrations } from "./migrate";

/**
 * Where this process's start stands, shared through globalThis: instrumentation.ts and the route
 * handlers are separate bundles, so module state is not shared between them.
 */
type BootPhase = "starting" | "ready" | "failed";
const holder = globalThis as unknown as { __selfcareBootPhase?: BootPhase };
export const bootPhase = (): BootPhase => holder.__selfcareBootPhase ?? "starting";
export const setBootPhase = (phase: BootPhase): void => {
  holder.__selfcareBootPhase = phase;
};

/** Connection problems that a database coming up (or a network coming back) ends by itself. */
const TRANSIENT = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "EPIPE", "57P03", "08000", "08001", "08006", "53300"]);

export function errorCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; errors?: { code?: unknown }[]; cause?: unknown } | null;
  if (typeof e?.code === "string") return e.code;
  // node's AggregateError (every address refused) and Prisma's wrapped driver errors
  if (Array.isArray(e?.errors) && typeof e.errors[0]?.code === "string") return e.errors[0].code;
  if (e?.cause && e.cause !== error) return errorCode(e.cause);
  return undefined;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message || error.name : String(error));

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what} did not answer within ${ms} ms`), { code: "ETIMEDOUT" })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Delay before try n+1 (n ≥ 1): 0.5 s, 1 s, 2 s, 4 s, then every 5 s. */
export const startRetryDelayMs = (attempt: number) => Math.min(500 * 2 ** (attempt - 1), 5_000);

export class DatabaseUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatabaseUnavailable";
  }
}

/**
 * Waits for the database at start: tries `SELECT 1`, and while the failure is a connection problem
 * retries with backoff for at most `waitSeconds`, one log line per failed try. A failure of another
 * kind (a wrong password, no such database) ends the wait at once.
 */
export async function waitForDatabase(
  database: Database,
  waitSeconds: number,
  time: { now: () => number; sleep: (ms: number) => Promise<unknown> } = { now: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
): Promise<void> {
  const deadline = time.now() + waitSeconds * 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      await withTimeout(database.sql.query("SELECT 1"), 5_000, "the database");
      if (attempt > 1) log.info({ attempt }, "database answered");
      return;
    } catch (error) {
      const code = errorCode(error);
      const delay = startRetryDelayMs(attempt);
      if (!code || !TRANSIENT.has(code)) throw new DatabaseUnavailable(`the database refused the connection: ${messageOf(error)}${code ? ` (${code})` : ""}`);
      if (time.now() + delay > deadline) {
        throw new DatabaseUnavailable(
          `the database did not answer within DATABASE_WAIT_SECONDS=${waitSeconds} s (${attempt} ${attempt === 1 ? "try" : "tries"}; last error: ${messageOf(error)}${code ? ` (${code})` : ""})`,
        );
      }
      log.warn({ attempt, retryInMs: delay, errCode: code, err: messageOf(error) }, "database not answering at start; retrying");
      await time.sleep(delay);
    }
  }
}

let migrationNames: string[] | undefined;

export type Readiness = { ready: true; database: Database["kind"]; schema: string | null } | { ready: false; reason: "starting" | "failed" | "database" | "schema"; code?: string; pending?: string[] };

/** GET /api/ready: the start has finished, the database answers, and every migration is applied. */
export async function readiness(database: () => Database): Promise<Readiness> {
  const phase = bootPhase();
  if (phase !== "ready") return { ready: false, reason: phase };
  const db = database();
  let applied: string[];
  try {
    const rows = await withTimeout(
      db.sql.query<{ migration_name: string }>(`SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`),
      3_000,
      "the database",
    );
    applied = rows.map((r) => r.migration_name);
  } catch (error) {
    return { ready: false, reason: "database", code: errorCode(error) ?? "ERROR" };
  }
  migrationNames ??= readMigrations().map((m) => m.name);
  const pending = migrationNames.filter((n) => !applied.includes(n));
  if (pending.length > 0) return { ready: false, reason: "schema", pending };
  return { ready: true, database: db.kind, schema: migrationNames.at(-1) ?? null };
}
