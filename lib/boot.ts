import { checkCredentialKey } from "./credential-key";
import { database, type Database } from "./db";
import { env } from "./env";
import { configureLog, log } from "./log";
import { migrate } from "./migrate";
import { setBootPhase, waitForDatabase } from "./readiness";
import { secrets } from "./secrets";
import { seedDemo } from "./seed";

/** True when demo data may be loaded: always outside production, in production only with SEED_DEMO=1. */
export function demoSeedAllowed(): boolean {
  const e = env();
  return e.APP_ENV !== "production" || e.SEED_DEMO === true;
}

/** Refuses to go on when this process's CREDENTIAL_KEY is not the one the database's credentials are sealed with. */
export async function checkProcessCredentialKey(db: Database): Promise<void> {
  const s = secrets();
  const hint = s.credentialKeySource === "CREDENTIAL_KEY" ? "" : ` (CREDENTIAL_KEY is unset: this process uses the key generated in ${s.credentialKeySource})`;
  if ((await checkCredentialKey(db, s.credentialKey, hint)) === "stored") log.info("CREDENTIAL_KEY fingerprint stored in the database (first start)");
}

/** Prepares the database: migrations, the CREDENTIAL_KEY check, then demo data when the database has no customer yet. */
export async function prepareDatabase(): Promise<void> {
  const db = database();
  const applied = await migrate(db);
  if (applied.length > 0) log.info({ applied }, "migrations applied");
  await checkProcessCredentialKey(db);
  // An existence check, not a count: counting a million customers took 204 ms at every start.
  if (demoSeedAllowed() && (await db.prisma.customer.findFirst({ select: { id: true } })) === null) {
    const created = await seedDemo(db.prisma);
    log.info({ created }, "demo data loaded");
  }
}

/** Start-up of the web server process (instrumentation.ts): wait for the database, prepare it, start the loops. */
export async function bootServer(): Promise<void> {
  const e = env();
  configureLog();
  setBootPhase("starting");
  await waitForDatabase(database(), e.DATABASE_WAIT_SECONDS);
  await prepareDatabase();
  const { startBackgroundLoops } = await import("./background");
  startBackgroundLoops();
  setBootPhase("ready");
}

/**
 * bootServer in the background, stopping the process with a clear message when it cannot start.
 * It does not hold Next.js up: while the database is awaited GET /api/health (liveness) answers and
 * GET /api/ready says 503 "starting"; scripts/serve.ts prints "Portal ready" once /api/ready is 200.
 */
export function bootServerOrExit(): void {
  bootServer().catch((error: unknown) => {
    setBootPhase("failed");
    console.error(`The portal cannot start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
