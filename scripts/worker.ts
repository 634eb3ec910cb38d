// `npm run worker`: a reflection worker (and outbox sender) in its own process, against PostgreSQL.
// Any number may run at once; they share the work through SKIP LOCKED. Stops cleanly on SIGTERM.
import { createServer } from "node:http";
import { startOutboxSender, startRetentionLoop } from "../lib/background";
import { checkProcessCredentialKey } from "../lib/boot";
import { database } from "../lib/db";
import { env, EnvError } from "../lib/env";
import { setInstanceRole } from "../lib/instance";
import { configureLog, log } from "../lib/log";
import { metricsAccess, removeWorkerHeartbeat, renderMetrics } from "../lib/metrics";
import { migrate } from "../lib/migrate";
import { waitForDatabase } from "../lib/readiness";
import { configuredProvisioner } from "../lib/provisioning/configured";
import { startReflectionWorker } from "../lib/reflection/loop";

setInstanceRole("worker");

/** A separate worker's own GET /metrics (its batch histogram and counters, and the shared state), on WORKER_METRICS_PORT. */
function serveMetrics(port: number, host: string) {
  const server = createServer((req, res) => {
    if ((req.url ?? "").split("?")[0] !== "/metrics" || req.method !== "GET") {
      res.writeHead(404).end("not found\n");
      return;
    }
    const access = metricsAccess(req.headers.authorization ?? null, req.socket.remoteAddress ?? null);
    if (!access.ok) {
      res.writeHead(access.status, { "content-type": "text/plain; charset=utf-8" }).end(`${access.reason}\n`);
      return;
    }
    renderMetrics(database()).then(
      ({ contentType, body }) => res.writeHead(200, { "content-type": contentType }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  server.listen(port, host, () => log.info({ port, host }, "worker metrics on /metrics"));
  return server;
}

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
  const stops = [startReflectionWorker(database(), provisioner), startOutboxSender(), startRetentionLoop()].filter((s): s is () => Promise<void> => s !== null);
  const metricsServer = e.WORKER_METRICS_PORT ? serveMetrics(e.WORKER_METRICS_PORT, e.HOST) : null;
  const shutdown = async (signal: string) => {
    log.info({ signal }, "worker stopping after the current batch");
    metricsServer?.close();
    await Promise.all(stops.map((s) => s()));
    await removeWorkerHeartbeat(database());
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
