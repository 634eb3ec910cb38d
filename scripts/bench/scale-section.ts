// `npm run bench -- --only scale`: starts a PostgreSQL of its own, tuned for a database of several
// GB (settings below, this server only), seeds it (or reuses a seeded one in --scale-dir), measures
// (scripts/bench/scale.ts) and returns the report block.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { openPostgres } from "@/lib/db";
import { migrate } from "@/lib/migrate";
import { freePort } from "@/tests/fixtures/net";
import { run } from "./procs";
import { adminQuery, benchPostgresUrl } from "./setup";
import { measureScale, scaleReport } from "./scale";
import { databaseBytes, scaleCounts, seedScale } from "./scale-seed";
import type { SectionReport } from "./report";

export interface ScaleSectionOptions {
  scaleN: number;
  iterations: number;
  scaleDir?: string;
  reseed: boolean;
  pgPort: number;
  quick: boolean;
  outboxSeconds: number;
}

// Reloadable settings for a 7 GB database on a small machine: room to sort and build indexes, fewer
// checkpoints while seeding, the planner told the OS caches the files. shared_buffers stays at the
// server's default (a restart would be needed; the OS page cache holds the data).
const TUNING = ["work_mem = '32MB'", "maintenance_work_mem = '1GB'", "max_wal_size = '8GB'", "checkpoint_timeout = '30min'", "effective_cache_size = '8GB'"];

export async function scaleSection(o: ScaleSectionOptions): Promise<SectionReport> {
  const started = performance.now();
  const kept = o.scaleDir !== undefined;
  const dir = o.scaleDir ? path.resolve(o.scaleDir) : mkdtempSync(path.join(os.tmpdir(), "selfcare-bench-scale-"));
  mkdirSync(dir, { recursive: true });
  await run("scripts/pg-server.sh", ["start", dir, String(o.pgPort)], {}, 120_000);
  const url = benchPostgresUrl(o.pgPort);
  const admin = adminQuery(o.pgPort);
  try {
    for (const t of TUNING) await admin(`ALTER SYSTEM SET ${t}`);
    await admin(`SELECT pg_reload_conf()`);
    const name = `bench_scale_${o.scaleN}`;
    const exists = (await admin(`SELECT 1 FROM pg_database WHERE datname = '${name}'`)).rowCount === 1;
    let seedMs: number | null = null;
    if (!exists || o.reseed || !kept) {
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin(`CREATE DATABASE ${name}`);
      const seeding = openPostgres(url(name), 4);
      await migrate(seeding);
      const t0 = performance.now();
      console.log(`  seeding ${o.scaleN} customers and a year of history…`);
      await seedScale(seeding, o.scaleN, (step, ms) => console.log(`    ${step}: ${(ms / 1000).toFixed(1)} s`));
      seedMs = performance.now() - t0;
      await seeding.sql.query(`VACUUM ANALYZE`);
      await seeding.close();
      // A pristine copy, so the next run (with --scale-dir) measures on the same data.
      if (kept) {
        await admin(`DROP DATABASE IF EXISTS ${name}_pristine`);
        await admin(`CREATE DATABASE ${name}_pristine TEMPLATE ${name}`);
      }
    } else if (existsSync(dir)) {
      console.log(`  reusing the seeded database in ${dir}`);
      const pristine = (await admin(`SELECT 1 FROM pg_database WHERE datname = '${name}_pristine'`)).rowCount === 1;
      if (pristine) {
        await admin(`DROP DATABASE ${name} WITH (FORCE)`);
        await admin(`CREATE DATABASE ${name} TEMPLATE ${name}_pristine`);
      }
    }
    const database = openPostgres(url(name), 10);
    try {
      await migrate(database);
      const bytes = await databaseBytes(database);
      const result = await measureScale(database, scaleCounts(o.scaleN), {
        n: o.scaleN,
        iterations: o.iterations,
        batchN: Math.round(o.scaleN * 0.10002),
        smtpPort: await freePort(),
        retentionRows: Math.min(250_000, o.scaleN),
        outboxSeconds: o.outboxSeconds,
        log: (line) => console.log(`  ${line}…`),
      });
      return scaleReport({ ...result, seedMs, databaseBytes: bytes }, performance.now() - started, { quick: o.quick });
    } finally {
      await database.close();
    }
  } finally {
    await run("scripts/pg-server.sh", ["stop", dir], {}, 120_000).catch((e: unknown) => console.error(String(e)));
    if (!kept) rmSync(dir, { recursive: true, force: true });
  }
}
