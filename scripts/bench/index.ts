// `npm run bench`: the benchmarks of issue 8, each beside a baseline measured in the same run.
//   batch    the 17:30 batch: N due B2BUA changes drained by the worker (internal and Kamailio
//            provisioner, PGlite and PostgreSQL) vs the same row updates in plain SQL
//   latency  IP_PHONE changes arriving at a steady rate: request → applied p50/p99/max
//   http     the production build under autocannon: menu page, change action, logins, vs a trivial route
//   weight   First Load JS (gzip) per customer route, from what a browser loads
//   register Kamailio's REGISTER/s through SIPp with REGISTER outcomes recorded vs not (same run)
//   scale    a million customers and a year of history seeded in SQL: support search, customer
//            page, customer paths, the 17:30 batch and its emails, retention (issue 19). Not in the
//            default run (seeding takes minutes): `--only scale [--n 1000000]`
// It starts what it needs (PostgreSQL on 55532, the build in .next-bench, the portal on a free
// port, Chromium) and stops it all at the end. Prints a table and writes docs/benchmarks.md.
//   npm run bench                                  everything (≈ 10-15 min on 2 cores)
//   npm run bench -- --quick                       a short run of everything (N=10,000, 20 s, 3 s)
//   npm run bench -- --only batch --n 10000 --db postgres
//   npm run bench -- --help
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { atExit, runCleanups } from "./procs";
import type { SectionReport } from "./report";

const SECTIONS = ["batch", "latency", "http", "weight", "register", "scale"] as const;
/** What runs without --only: the scale bench seeds gigabytes and is asked for by name. */
const DEFAULT_SECTIONS = ["batch", "latency", "http", "weight", "register"] as const;
type Section = (typeof SECTIONS)[number];

const HELP = `npm run bench -- [options]
  --only LIST           sections, comma-separated: ${SECTIONS.join(",")} (default: all but scale)
  --quick               short run: --n 10000 --seconds 20 --http-seconds 3 (docs not written unless --write)
  --n N                 batch size of the 17:30 batch (default 100000); with --only scale: customers (default 1000000)
  --iterations K        scale: calls per measured path (default 50)
  --scale-dir DIR       scale: keep the PostgreSQL data folder here and reuse a database seeded at the same --n
  --outbox-seconds S    scale: stop sending the batch's emails after S seconds (default 180; the rate is reported)
  --reseed              scale: seed again even when --scale-dir holds a seeded database
  --db LIST             batch databases: pglite,postgres (default both)
  --provisioner LIST    batch provisioners: internal,kamailio (default both)
  --batch-size N        the worker's WORKER_BATCH_SIZE (default 200, the production default)
  --workers N           concurrent worker drains in the batch (default 1: the server's one loop)
  --rate R              latency: changes per second (default 50)
  --seconds S           latency: how long they arrive (default 120)
  --latency-db LIST     latency databases: pglite,postgres (default both)
  --latency-mode M      insert (default: the accepted row, no argon2) or use-case (the full use-case)
  --http-seconds S      each autocannon run (default 10)
  --connections C       autocannon connections (default 50)
  --register-calls N    register: registrations per run (default 20000; --quick 5000)
  --register-rounds N   register: off/on rounds (default 3; --quick 1)
  --no-build            reuse the build in .next-bench
  --pg-port P           the throw-away PostgreSQL's port (default 55532)
  --out FILE            where the report goes (default docs/benchmarks.md)
  --write / --no-write  write the report (default: yes, except with --quick)
  --note TEXT           a sentence to add to the report (e.g. "taken while a build ran")`;

const { values: args } = parseArgs({
  options: {
    only: { type: "string" },
    quick: { type: "boolean", default: false },
    n: { type: "string" },
    iterations: { type: "string", default: "50" },
    "scale-dir": { type: "string" },
    reseed: { type: "boolean", default: false },
    "outbox-seconds": { type: "string", default: "180" },
    db: { type: "string", default: "pglite,postgres" },
    provisioner: { type: "string", default: "internal,kamailio" },
    "batch-size": { type: "string", default: "200" },
    workers: { type: "string", default: "1" },
    rate: { type: "string", default: "50" },
    seconds: { type: "string" },
    "latency-db": { type: "string", default: "pglite,postgres" },
    "latency-mode": { type: "string", default: "insert" },
    "http-seconds": { type: "string" },
    connections: { type: "string", default: "50" },
    "register-calls": { type: "string" },
    "register-rounds": { type: "string" },
    "no-build": { type: "boolean", default: false },
    "pg-port": { type: "string", default: "55532" },
    out: { type: "string", default: "docs/benchmarks.md" },
    write: { type: "boolean" },
    "no-write": { type: "boolean", default: false },
    note: { type: "string" },
    help: { type: "boolean", default: false },
  },
  strict: true,
});

if (args.help) {
  console.log(HELP);
  process.exit(0);
}

const list = (s: string) => s.split(",").map((x) => x.trim()).filter(Boolean);
const int = (name: string, s: string | undefined, fallback: number) => {
  const v = s === undefined ? fallback : Number(s.replace(/_/g, ""));
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
};

const only = args.only ? list(args.only) : [...DEFAULT_SECTIONS];
for (const s of only) if (!SECTIONS.includes(s as Section)) throw new Error(`unknown section ${s} (${SECTIONS.join(", ")})`);
const opts = {
  sections: new Set(only as Section[]),
  quick: args.quick,
  n: int("n", args.n, args.quick ? 10_000 : 100_000),
  scaleN: int("n", args.n, args.quick ? 20_000 : 1_000_000),
  iterations: int("iterations", args.iterations, 50),
  scaleDir: args["scale-dir"],
  reseed: args.reseed,
  outboxSeconds: int("outbox-seconds", args["outbox-seconds"], 180),
  dbs: list(args.db) as ("pglite" | "postgres")[],
  provisioners: list(args.provisioner) as ("internal" | "kamailio")[],
  batchSize: int("batch-size", args["batch-size"], 200),
  workers: int("workers", args.workers, 1),
  rate: int("rate", args.rate, 50),
  seconds: int("seconds", args.seconds, args.quick ? 20 : 120),
  latencyDbs: list(args["latency-db"]) as ("pglite" | "postgres")[],
  latencyMode: args["latency-mode"] as "insert" | "use-case",
  httpSeconds: int("http-seconds", args["http-seconds"], args.quick ? 3 : 10),
  connections: int("connections", args.connections, 50),
  registerCalls: int("register-calls", args["register-calls"], args.quick ? 5_000 : 20_000),
  registerRounds: int("register-rounds", args["register-rounds"], args.quick ? 1 : 3),
  build: !args["no-build"],
  pgPort: int("pg-port", args["pg-port"], 55532),
  out: args.out,
  write: args["no-write"] ? false : (args.write ?? !args.quick),
  note: args.note,
};
for (const d of [...opts.dbs, ...opts.latencyDbs]) if (d !== "pglite" && d !== "postgres") throw new Error(`unknown database ${d}`);
for (const p of opts.provisioners) if (p !== "internal" && p !== "kamailio") throw new Error(`unknown provisioner ${p}`);
if (opts.latencyMode !== "insert" && opts.latencyMode !== "use-case") throw new Error("--latency-mode is insert or use-case");

// The bench process's own configuration, before any domain module reads it: the test sealing key,
// quiet logs, the production worker settings (the latency section's loop reads them).
process.env.APP_ENV = "test";
process.env.LOG_LEVEL ??= "warn";
process.env.NEXT_TELEMETRY_DISABLED = "1";
process.env.WORKER_BATCH_SIZE = String(opts.batchSize);
delete process.env.DATABASE_URL;
delete process.env.APP_NOW;

const { installTestSecrets } = await import("@/tests/helpers/changes");
installTestSecrets();
const { machineFacts, startBenchPostgres, installedPostgresVersion, sampleBusy } = await import("./setup");
const report = await import("./report");

let stopping = false;
const onSignal = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  console.error(`\n${signal}: stopping what the bench started…`);
  // Connections the interrupted run still holds fail as their servers stop: not worth a crash.
  process.on("uncaughtException", () => undefined);
  process.on("unhandledRejection", () => undefined);
  void runCleanups().then(() => process.exit(130));
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

const started = performance.now();
// The scale section starts a PostgreSQL of its own (tuned, optionally kept in --scale-dir).
const needsPostgres = (opts.sections.has("batch") && (opts.dbs.includes("postgres") || opts.provisioners.includes("kamailio"))) || (opts.sections.has("latency") && opts.latencyDbs.includes("postgres")) || opts.sections.has("http") || opts.sections.has("weight") || opts.sections.has("register");

let exitCode = 0;
try {
  console.log(`bench: ${[...opts.sections].join(", ")}${opts.quick ? " (quick)" : ""}`);
  const server = needsPostgres ? await startBenchPostgres(opts.pgPort) : undefined;
  if (server) atExit(() => server.stop());
  const machine = await machineFacts(server?.version ?? installedPostgresVersion());
  console.log(report.machineLine(machine));
  if (machine.busyBeforeCores > 0.2) console.log(`note: the machine was busy before the start (${machine.busyBeforeCores} cores: ${machine.busyTop.join(", ")})`);

  const results: SectionReport[] = [];
  if (opts.sections.has("batch")) {
    const { batchSection } = await import("./sections");
    results.push(await timed("batch", () => batchSection(opts, server)));
  }
  if (opts.sections.has("latency")) {
    const { latencySection } = await import("./sections");
    results.push(await timed("latency", () => latencySection(opts, server)));
  }
  if (opts.sections.has("register")) {
    const { registerSection } = await import("./register");
    results.push(await timed("register", () => registerSection({ calls: opts.registerCalls, users: 1000, concurrency: 50, rounds: opts.registerRounds }, server!)));
  }
  if (opts.sections.has("scale")) {
    const { scaleSection } = await import("./scale-section");
    results.push(await timed("scale", () => scaleSection({ ...opts, pgPort: server ? opts.pgPort + 1 : opts.pgPort })));
  }
  if (opts.sections.has("http") || opts.sections.has("weight")) {
    const { httpSection } = await import("./sections");
    results.push(...(await timed("http", () => httpSection(opts, server!))));
  }

  const totalMs = performance.now() - started;
  console.log(`\n${report.consoleSummary(results, machine, totalMs)}`);
  if (opts.write) {
    const file = path.resolve(opts.out);
    const before = existsSync(file) ? readFileSync(file, "utf8") : "";
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, report.mergeMarkdown(before, results, machine, { quick: opts.quick, note: opts.note, totalMs }));
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  } else {
    console.log("(report not written: --quick or --no-write; --write to write it)");
  }
  if (results.some((r) => r.missed.length > 0)) console.log(`targets missed: ${results.flatMap((r) => r.missed).join("; ")}`);
} catch (error) {
  if (!stopping) console.error(error);
  exitCode = stopping ? 130 : 1;
} finally {
  await runCleanups();
}
process.exit(exitCode);

/** Runs a section, noting how busy other processes kept the machine just before it. */
async function timed<T extends SectionReport | SectionReport[]>(name: string, fn: () => Promise<T>): Promise<T> {
  console.log(`\n━━ ${name}`);
  const busy = await sampleBusy(1000);
  if (busy.cores > 0.2) console.log(`  note: other processes keep ${busy.cores.toFixed(2)} cores busy (${busy.top.join(", ")})`);
  const t0 = performance.now();
  const r = await fn();
  for (const report of Array.isArray(r) ? r : [r]) report.busyAtStart = { cores: Math.round(busy.cores * 100) / 100, top: busy.top };
  console.log(`✓ ${name} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  return r;
}
