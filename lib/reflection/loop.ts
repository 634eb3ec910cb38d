import { clock } from "../clock";
import type { Database } from "../db";
import { env } from "../env";
import { log } from "../log";
import { every } from "../loop";
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
    now: clock.now(),
    batchSize: e.WORKER_BATCH_SIZE,
    maxAttempts: e.WORKER_MAX_ATTEMPTS,
  });
  log.info({ provisioner: provisioner.name, pollMs: e.WORKER_POLL_MS, batchSize: e.WORKER_BATCH_SIZE }, "reflection worker started");
  return every(e.WORKER_POLL_MS, "reflection", async () => {
    const startedAt = performance.now();
    const r = await drainDueChanges(options());
    if (r.claimed > 0) log.info(r, "reflection batch");
    await afterReflectionRun(database, r, startedAt); // metrics and heartbeat (lib/metrics.ts)
  });
}
