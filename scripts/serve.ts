// The production HTTP server: Next.js behind a plain Node server that records who is really
// connecting. Next.js itself keeps any X-Forwarded-For the client sends, so without a trusted proxy
// a client could choose the address used for rate limits and the audit trail. Here the header is
// replaced by the socket's address, unless TRUST_PROXY=true (one reverse proxy in front appends it).
//   node_modules/.bin/tsx scripts/serve.ts      (npm start runs it after the build)
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import next from "next";
import { EnvError, parseEnv } from "../lib/env";
import { consoleAsJsonLines, log } from "../lib/log";
import { metrics } from "../lib/metrics";
import { routeLabelerFor } from "../lib/web/route-label";

let config;
try {
  config = parseEnv(process.env);
} catch (error) {
  console.error(error instanceof EnvError ? error.message : error);
  process.exit(1);
}
process.env.NEXTAUTH_URL ??= `http://localhost:${config.PORT}`;
// From here on, what Next.js prints with console.error/warn (a failed request's stack) is one JSON line.
consoleAsJsonLines();
process.env.NEXT_TELEMETRY_DISABLED = "1";

const app = next({ dev: false, hostname: config.HOST, port: config.PORT });
const handle = app.getRequestHandler();
await app.prepare();

const routeOf = routeLabelerFor(process.env.NEXT_DIST_DIR ?? ".next");
const httpDuration = metrics().httpDuration;
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

// A request id from the proxy in front (nginx's $request_id) is kept when it looks like one.
const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

let stopping = false;
const server = createServer((req, res) => {
  const started = performance.now();
  // While stopping, every response closes its connection, so a proxy's keep-alive connections drain
  // instead of keeping this process serving for as long as they are busy.
  if (stopping) res.setHeader("Connection", "close");
  if (!config.TRUST_PROXY) req.headers["x-forwarded-for"] = req.socket.remoteAddress ?? "";
  const given = req.headers["x-request-id"];
  const requestId = typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
  req.headers["x-request-id"] = requestId;
  res.setHeader("X-Request-Id", requestId);
  res.once("close", () => {
    const path = (req.url ?? "/").split("?")[0]!;
    const route = routeOf(path);
    const method = METHODS.has(req.method ?? "") ? req.method! : "OTHER";
    const seconds = (performance.now() - started) / 1000;
    const status = res.writableFinished ? res.statusCode : 499; // 499: the client went away first
    httpDuration.observe({ route, method, status: String(status) }, seconds);
    // The access log: one line per request. The path without its query (which may carry a return path or a token).
    log.info(
      { reqId: requestId, method: req.method, path: path.slice(0, 300), route, status, ms: Math.round(seconds * 1000), ip: req.headers["x-forwarded-for"]?.toString().split(",").at(-1)?.trim() || null, ua: req.headers["user-agent"]?.slice(0, 200) ?? null },
      "request",
    );
  });
  void handle(req, res);
});
// "Portal ready" only once the server answers and its start is complete: GET /api/ready is 200 when
// the migrations are applied, the key is checked and the background loops run (lib/boot.ts). Should the
// start fail, lib/boot.ts ends the process with the reason.
const local = ["0.0.0.0", "::", ""].includes(config.HOST) ? "127.0.0.1" : config.HOST;
server.listen(config.PORT, config.HOST, () => {
  void (async () => {
    for (;;) {
      const status = await fetch(`http://${local.includes(":") ? `[${local}]` : local}:${config.PORT}/api/ready`).then((r) => r.status, () => 0);
      if (status === 200) break;
      await sleep(200);
    }
    console.log(`Portal ready on http://${config.HOST === "0.0.0.0" ? "localhost" : config.HOST}:${config.PORT}`);
  })();
});
// SIGTERM: stop accepting, finish the requests in flight (each closing its connection), exit. Requests
// still running after 20 s are cut (systemd's TimeoutStopSec is 30 s).
const stop = () => {
  if (stopping) return;
  stopping = true;
  log.info("stopping: finishing the requests in flight");
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => server.closeAllConnections(), 20_000).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
