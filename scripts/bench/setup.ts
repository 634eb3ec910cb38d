// What the benchmark starts for itself and what it says about the machine: a throw-away
// PostgreSQL server (scripts/pg-server.sh, port 55532 — never the tests' 55432), fresh databases on
// it (optionally copied from a seeded template), Kamailio's schema, and the machine's facts.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { openPglite, openPostgres, type Database } from "@/lib/db";
import { migrate } from "@/lib/migrate";
import { run } from "./procs";

export const BENCH_PG_PORT = 55532;

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

export interface BenchPostgres {
  /** The connection URL of database `db`. */
  url(db: string): string;
  /** Creates database `name` (dropping one of that name first), optionally as a copy of `template`. */
  create(name: string, template?: string): Promise<string>;
  drop(name: string): Promise<void>;
  /** SQL on the `postgres` database. */
  admin(sql: string): Promise<pg.QueryResult>;
  version: string;
  stop(): Promise<void>;
}

/** The URL of database `db` on the bench's PostgreSQL on `port` (user postgres, no password, 127.0.0.1). */
export const benchPostgresUrl =
  (port: number) =>
  (db: string): string =>
    `postgresql://postgres@127.0.0.1:${port}/${db}`;

/** Runs one statement on the `postgres` database of the server on `port`, on a connection of its own (CREATE/DROP DATABASE, ALTER SYSTEM). */
export const adminQuery =
  (port: number) =>
  async (sql: string): Promise<pg.QueryResult> => {
    const c = new pg.Client({ connectionString: benchPostgresUrl(port)("postgres") });
    await c.connect();
    try {
      return await c.query(sql);
    } finally {
      await c.end();
    }
  };

/** Starts the throw-away server on `port` in a new temporary folder. */
export async function startBenchPostgres(port = BENCH_PG_PORT): Promise<BenchPostgres> {
  if (!(await portFree(port))) {
    throw new Error(`port ${port} is taken: a PostgreSQL left by an interrupted bench? Stop it (scripts/pg-server.sh stop /tmp/selfcare-bench-pg-…) or pass --pg-port`);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), "selfcare-bench-pg-"));
  try {
    await run("scripts/pg-server.sh", ["start", dir, String(port)], {}, 120_000);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const url = benchPostgresUrl(port);
  const admin = adminQuery(port);
  const version = String((await admin("SHOW server_version")).rows[0]?.server_version ?? "?");
  const drop = async (name: string) => void (await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  return {
    url,
    version,
    admin,
    drop,
    create: async (name, template) => {
      await drop(name);
      await admin(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ""}`);
      return url(name);
    },
    stop: async () => {
      await run("scripts/pg-server.sh", ["stop", dir], {}, 120_000).catch((e: unknown) => console.error(String(e)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}


export type DbKind = "pglite" | "postgres";

/**
 * A portal database for one measured run, every migration applied. PostgreSQL: database `name` on
 * the bench server (a copy of `template` when given: the template is already migrated and seeded).
 * PGlite: a data folder (a copy of the closed folder `template` when given), as `npm start` uses.
 */
export async function openRunDatabase(kind: DbKind, name: string, o: { server?: BenchPostgres; template?: string }): Promise<{ database: Database; url?: string; dir?: string; close(): Promise<void> }> {
  if (kind === "postgres") {
    const server = o.server!;
    const url = await server.create(name, o.template);
    const database = openPostgres(url, 10);
    if (!o.template) await migrate(database);
    return { database, url, close: async () => (await database.close(), await server.drop(name)) };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), `selfcare-bench-${name}-`));
  if (o.template) cpSync(o.template, dir, { recursive: true });
  const database = openPglite(dir);
  if (!o.template) await migrate(database);
  return { database, dir, close: async () => (await database.close(), rmSync(dir, { recursive: true, force: true })) };
}

export interface Machine {
  cpu: string;
  cores: number;
  ramGb: number;
  node: string;
  postgres: string;
  os: string;
  date: string;
  /** CPU busy (all cores, in cores) from other processes just before the bench started. */
  busyBeforeCores: number;
  /** The heaviest other processes at that moment (name and % of one core). */
  busyTop: string[];
}

function cpuModel(): string {
  const model = os.cpus()[0]?.model?.trim();
  if (model && model !== "unknown") return model;
  try {
    const line = execFileSync("lscpu", { encoding: "utf8" }).split("\n").find((l) => l.startsWith("Model name:"));
    if (line) return line.replace("Model name:", "").trim();
  } catch {
    // lscpu missing
  }
  return "unknown CPU";
}

function busyJiffies(): { busy: number; total: number } {
  const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0]!.split(/\s+/).slice(1).map(Number);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  const total = cpu.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  return { busy: total - idle, total };
}

function processTimes(): Map<number, { name: string; t: number }> {
  const m = new Map<number, { name: string; t: number }>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const name = stat.slice(stat.indexOf("(") + 1, close);
      const fields = stat.slice(close + 2).split(" ");
      m.set(Number(entry), { name, t: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // exited meanwhile
    }
  }
  return m;
}

/** How busy the machine is with other work, sampled over `ms` (Linux /proc; zeros elsewhere). */
export async function sampleBusy(ms = 2000): Promise<{ cores: number; top: string[] }> {
  if (!existsSync("/proc/stat")) return { cores: 0, top: [] };
  const a = busyJiffies();
  const pa = processTimes();
  await sleep(ms);
  const b = busyJiffies();
  const pb = processTimes();
  const ncpu = os.cpus().length;
  const cores = ((b.busy - a.busy) / Math.max(1, b.total - a.total)) * ncpu;
  const hz = 100;
  const deltas: { name: string; pct: number }[] = [];
  for (const [pid, p] of pb) {
    if (pid === process.pid) continue;
    const before = pa.get(pid);
    if (!before) continue;
    const pct = ((p.t - before.t) / hz / (ms / 1000)) * 100;
    if (pct >= 5) deltas.push({ name: p.name, pct });
  }
  deltas.sort((x, y) => y.pct - x.pct);
  return { cores, top: deltas.slice(0, 5).map((d) => `${d.name} ${d.pct.toFixed(0)}%`) };
}

export async function machineFacts(postgres: string): Promise<Machine> {
  const busy = await sampleBusy();
  let osName = `${os.type()} ${os.release()}`;
  try {
    const pretty = /PRETTY_NAME="([^"]+)"/.exec(readFileSync("/etc/os-release", "utf8"))?.[1];
    if (pretty) osName = `${pretty} (${os.release()})`;
  } catch {
    // not Linux
  }
  return {
    cpu: cpuModel(),
    cores: os.cpus().length,
    ramGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    postgres,
    os: osName,
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    busyBeforeCores: Math.round(busy.cores * 100) / 100,
    busyTop: busy.top,
  };
}

/** The server's PostgreSQL version from the installed binaries (when no server was started). */
export function installedPostgresVersion(): string {
  try {
    const bindir = execFileSync("sh", ["-c", "ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1"], { encoding: "utf8" }).trim();
    return execFileSync(path.join(bindir, "postgres"), ["--version"], { encoding: "utf8" }).trim().replace(/^postgres \(PostgreSQL\) /, "");
  } catch {
    return "not installed";
  }
}
