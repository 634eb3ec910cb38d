import { clock } from "../clock";
import type { Database } from "../db";
import { env, type Env } from "../env";
import { log } from "../log";
import { every } from "../every";
import { afterReflectionRun, workerHeartbeat } from "../metrics";
import type { Provisioner } from "../provisioning";
import { configuredRegistrar } from "../registration/registrar";
import { dropBindings } from "../registration/rpc";
import { watchRegistrations } from "../registration/watch";
import { secrets } from "../secrets";
import { drainDueChanges } from "./worker";

/** Starts the reflection worker loop: every WORKER_POLL_MS it drains the due changes in batches. */
export function startReflectionWorker(database: Database, provisioner: Provisioner): () => Promise<void> {
  const e = env();
  const options = () => ({
    database,
    provisioner,
    credentialKey: secrets().credentialKey,
    // A simulated clock (APP_NOW, tools) is the run's time; otherwise the database's clock decides
    // what is due, the same for every worker whatever its host's clock says.
    now: clock.simulated() ? clock.now() : undefined,
    batchSize: e.WORKER_BATCH_SIZE,
    maxAttempts: e.WORKER_MAX_ATTEMPTS,
    // Optional (off): the old password stops at once instead of at its bindings' expiry (docs/operations.md).
    afterApplied: afterAppliedStep(e),
  });
  let lastWatch = -Infinity;
  log.info({ provisioner: provisioner.name, pollMs: e.WORKER_POLL_MS, batchSize: e.WORKER_BATCH_SIZE }, "reflection worker started");
  return every(e.WORKER_POLL_MS, "reflection", async (loop) => {
    const startedAt = performance.now();
    // Each batch is logged as it commits (drainDueChanges); a stopping worker ends after the batch in hand.
    const r = await drainDueChanges(options(), { stopping: loop.stopping });
    await afterReflectionRun(database, r, startedAt); // metrics and heartbeat (lib/metrics.ts)
    // What the registrar saw since each recent reflection, and the two emails about it (issue 17).
    const registrar = configuredRegistrar();
    if (registrar && !loop.stopping() && performance.now() - lastWatch >= e.REGISTRATION_WATCH_EVERY_MS) {
      lastWatch = performance.now();
      const o = options();
      const now = o.now ?? new Date((await database.sql.query<{ now: Date }>("SELECT now() AS now"))[0]!.now);
      await watchRegistrations({ database, registrar, now, reminderMinutes: e.REGISTRATION_REMINDER_MINUTES, watchHours: e.REGISTRATION_WATCH_HOURS });
      // A beat after the watch too (at most every 5 s in all): a long watch after a large batch
      // never silences the heartbeat beyond the drain's own.
      await workerHeartbeat(database);
    }
  });
}

/** The step run after each committed batch: DROP_BINDINGS_ON_REFLECTION on → drop the lines' old bindings. */
export function afterAppliedStep(e: Pick<Env, "DROP_BINDINGS_ON_REFLECTION">): ((numbers: string[]) => Promise<void>) | undefined {
  return e.DROP_BINDINGS_ON_REFLECTION ? dropBindingsOf : undefined;
}

/**
 * Drops the bindings of each line just reflected (one ul.rm each, at KAMAILIO_RPC_URL). It never
 * throws: a line the registrar does not take (down, refusing the token) is logged, and its old
 * bindings simply expire by themselves (max_expires).
 */
export async function dropBindingsOf(numbers: string[]): Promise<void> {
  let failed = 0;
  for (const n of numbers) await dropBindings(n).catch(() => void failed++);
  if (failed > 0) log.warn({ lines: numbers.length, failed }, "DROP_BINDINGS_ON_REFLECTION: some bindings could not be dropped (they expire by themselves)");
}
