// `npm run worker`: a reflection worker (and outbox sender) in its own process, against PostgreSQL.
// Any number may run at once; they share the work through SKIP LOCKED. Stops cleanly on SIGTERM.
import { startOutboxSender } from "../lib/background";
import { checkProcessCredentialKey } from "../lib/boot";
import { database } from "../lib/db";
import { env, EnvError } from "../lib/env";
import { configureLog, log } from "../lib/log";
import { migrate } from "../lib/migrate";
import { waitForDatabase } from "../lib/readiness";
import { configuredProvisioner } from "../lib/provisioning/configured";
import { startReflectionWorker } from "../lib/reflection/loop";

async function main() {
  const e = env();
  configureLog();
  if (!e.DATABASE_URL) {
    console.error("npm run worker needs DATABASE_URL (a PostgreSQL server). With the embedded database the worker runs inside `npm start`.");
    process.exit(1);
  }
  await waitForDatabase(database(), e.DATABASE_WAIT_SECONDS);
  await migrate(database());
  await checkProcessCredentialKey(database());
  const provisioner = configuredProvisioner();
  const stops = [startReflectionWorker(database(), provisioner), startOutboxSender()].filter((s): s is () => Promise<void> => s !== null);
  const shutdown = async (signal: string) => {
    log.info({ signal }, "worker stopping after the current batch");
    await Promise.all(stops.map((s) => s()));
    await provisioner.close?.();
    await database().close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  // Keep the process alive: the loops' timers are unref'd.
  setInterval(() => undefined, 1 << 30);
  log.info({ provisioner: provisioner.name }, "worker ready");
}

main().catch((error: unknown) => {
  console.error(error instanceof EnvError ? error.message : `The worker cannot start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
