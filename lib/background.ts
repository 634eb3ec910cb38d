import { database } from "./db";
import { env } from "./env";
import { log } from "./log";
import { every } from "./every";
import { drainDueEmails, smtpTransport } from "./mail/sender";
import { configuredProvisioner } from "./provisioning/configured";
import { startReflectionWorker } from "./reflection/loop";
import { startRetention } from "./retention";
import { clock } from "./clock";

const holder = globalThis as unknown as { __selfcareLoops?: boolean };

/** Starts the outbox sender (with SMTP_URL) for this process. */
export function startOutboxSender(): (() => Promise<void>) | null {
  const e = env();
  if (!e.SMTP_URL) {
    log.info("SMTP_URL is not set: emails stay in the outbox and are shown at /dev/mailbox");
    return null;
  }
  const transport = smtpTransport(e.SMTP_URL, { connections: e.OUTBOX_SMTP_CONNECTIONS });
  log.info({ batch: e.OUTBOX_BATCH_SIZE, concurrency: e.OUTBOX_CONCURRENCY, connections: e.OUTBOX_SMTP_CONNECTIONS }, "outbox sender started");
  // No `now`: leases and due times are the database's clock, shared by every sender (lib/mail/sender.ts).
  const stop = every(e.OUTBOX_POLL_MS, "outbox", (loop) =>
    drainDueEmails({ database: database(), transport, from: e.MAIL_FROM, batchSize: e.OUTBOX_BATCH_SIZE, concurrency: e.OUTBOX_CONCURRENCY, stopping: loop.stopping }),
  );
  return async () => {
    await stop();
    transport.close?.();
  };
}

/** How often the embedded database is vacuumed and analysed (at start, then at this interval). */
export const PGLITE_MAINTENANCE_MS = 10 * 60_000;

/**
 * PGlite runs no autovacuum, so the server does its work: without it dead rows pile up forever and
 * the planner has no statistics. With none it takes the queues (due changes, due emails) for a few
 * rows and sorts all of them on every claim instead of walking the (status, nextAttemptAt) index:
 * a 100,000-change batch then ran for over 10 minutes instead of ~30 s (docs/benchmarks.md).
 */
export function startPgliteMaintenance(): (() => Promise<void>) | null {
  const db = database();
  if (db.kind !== "pglite") return null;
  return every(PGLITE_MAINTENANCE_MS, "pglite-maintenance", async () => {
    const started = Date.now();
    await db.sql.query("VACUUM ANALYZE");
    log.info({ ms: Date.now() - started }, "embedded database vacuumed and analysed");
  });
}

/** The retention job (lib/retention) by the process's clock: each web server and worker runs it; they take turns per batch. */
export function startRetentionLoop(): (() => Promise<void>) | null {
  const e = env();
  if (!(e.RETENTION_ENABLED ?? e.APP_ENV === "production")) {
    log.info("retention job off (RETENTION_ENABLED, default on in production only)");
    return null;
  }
  return startRetention(database(), () => clock.now());
}

/** Loops that run inside the web server: the outbox sender, (unless WORKER_IN_SERVER=false) the reflection worker, the retention job and PGlite's maintenance. */
export function startBackgroundLoops(): void {
  if (holder.__selfcareLoops) return;
  holder.__selfcareLoops = true;
  startPgliteMaintenance();
  startOutboxSender();
  startRetentionLoop();
  if (env().WORKER_IN_SERVER) startReflectionWorker(database(), configuredProvisioner());
  else log.info("WORKER_IN_SERVER=false: run `npm run worker` to reflect changes");
}
