import { clock } from "../clock";
import type { Database } from "../db";
import { env } from "../env";
import { log } from "../log";
import { every } from "../every";
import { afterReflectionRun } from "../metrics";
import type { Provisioner } from "../provisioning";
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
  });
  log.info({ provisioner: provisioner.name, pollMs: e.WORKER_POLL_MS, batchSize: e.WORKER_BATCH_SIZE }, "reflection worker started");
  return every(e.WORKER_POLL_MS, "reflection", async (loop) => {
    const startedAt = performance.now();
    // Each batch is logged as it commits (drainDueChanges); a stopping worker ends after the batch in hand.
    const r = await drainDueChanges(options(), { stopping: loop.stopping });
    await afterReflectionRun(database, r, startedAt); // metrics and heartbeat (lib/metrics.ts)
  });
}
