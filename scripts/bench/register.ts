// The registrar's REGISTER throughput with and without recording REGISTER outcomes
// (deploy/kamailio/kamailio.cfg, registration_event), same machine, same database, one run.
// SIPp drives full digest registrations (REGISTER → 401 → REGISTER with credentials → 200) for
// `users` subscribers as fast as Kamailio answers them, with `concurrency` calls in flight.
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { sipCredential } from "@/lib/sip/digest";
import { createKamailioSchema } from "../kamailio-schema";
import { freePort } from "@/tests/fixtures/net";
import { startKamailio } from "@/tests/fixtures/registrar";
import type { SectionReport } from "./report";
import type { BenchPostgres } from "./setup";

const REALM = "sip.example.jp";

export interface RegisterBenchOptions {
  calls: number;
  users: number;
  concurrency: number;
  rounds: number;
}

interface Run {
  recording: boolean;
  calls: number;
  failed: number;
  seconds: number;
  perSecond: number;
  events: number;
}

/** Runs SIPp `calls` registrations against `port`; returns successes, failures and the wall time. */
async function sippRun(port: number, o: RegisterBenchOptions): Promise<{ ok: number; failed: number; seconds: number }> {
  const local = await freePort();
  const csv = path.join(tmpdir(), `bench-register-users-${process.pid}.csv`);
  const { writeFileSync, readFileSync, rmSync, readdirSync } = await import("node:fs");
  writeFileSync(csv, `SEQUENTIAL\n${Array.from({ length: o.users }, (_, i) => `${benchUser(i)};[authentication username=${benchUser(i)} password=pw-${i}-bench]`).join("\n")}\n`);
  const scenario = path.resolve("tests/fixtures/sipp/register-bench.xml");
  const dir = path.join(tmpdir(), `bench-register-${process.pid}-${local}`);
  (await import("node:fs")).mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  const r = spawnSync(
    "sipp",
    [`127.0.0.1:${port}`, "-sf", scenario, "-inf", csv, "-key", "realm", REALM, "-i", "127.0.0.1", "-p", String(local),
      "-m", String(o.calls), "-l", String(o.concurrency), "-r", "100000", "-nostdin", "-timeout", "120s", "-trace_stat", "-fd", "1000", "-stf", path.join(dir, "stat.csv")],
    { encoding: "utf8", cwd: dir, timeout: 180_000 },
  );
  const seconds = (performance.now() - t0) / 1000;
  // SIPp's final statistics line: SuccessfulCall(C) and FailedCall(C) cumulative columns.
  let ok = 0;
  let failed = o.calls;
  try {
    const file = readdirSync(dir).find((f) => f.endsWith(".csv"));
    const lines = readFileSync(path.join(dir, file!), "utf8").trim().split("\n");
    const head = lines[0]!.split(";");
    const last = lines[lines.length - 1]!.split(";");
    ok = Number(last[head.indexOf("SuccessfulCall(C)")]);
    failed = Number(last[head.indexOf("FailedCall(C)")]);
  } catch {
    if (r.status !== 0) throw new Error(`sipp failed (${r.status}): ${r.stderr.slice(0, 500)}`);
  }
  rmSync(dir, { recursive: true, force: true });
  rmSync(csv, { force: true });
  return { ok, failed, seconds };
}

const benchUser = (i: number) => `0509${String(i).padStart(7, "0")}`;

/** One database with `users` subscribers, then Kamailio without and with recording, alternating. */
export async function registerSection(o: RegisterBenchOptions, server: BenchPostgres): Promise<SectionReport> {
  const started = performance.now();
  const url = await server.create("bench_register");
  await createKamailioSchema(url);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const users = Array.from({ length: o.users }, (_, i) => sipCredential(benchUser(i), REALM, `pw-${i}-bench`));
  await c.query(
    `INSERT INTO subscriber (username, domain, password, ha1, ha1b) SELECT u, $1, '', h1, h2 FROM unnest($2::text[], $3::text[], $4::text[]) AS t(u, h1, h2)`,
    [REALM, users.map((u) => u.username), users.map((u) => u.ha1), users.map((u) => u.ha1b)],
  );
  const runs: Run[] = [];
  try {
    // Alternating rounds (off, on, off, on …) so a neighbour's load falls on both alike.
    for (let round = 0; round < o.rounds; round++) {
      for (const recording of [false, true]) {
        await c.query("TRUNCATE registration_event; DELETE FROM location;");
        const k = await startKamailio(url, REALM, { recordEvents: recording });
        try {
          await sippRun(k.port, { ...o, calls: Math.min(200, o.calls) }); // warm-up: connections, bindings
          await new Promise((r) => setTimeout(r, 2000)); // the warm-up's async writes land
          const mark = Number((await c.query<{ id: string }>("SELECT coalesce(max(id), 0) AS id FROM registration_event")).rows[0]!.id);
          const r = await sippRun(k.port, o);
          await new Promise((r) => setTimeout(r, 2000)); // the async writers finish
          const events = Number((await c.query<{ n: string }>("SELECT count(*) AS n FROM registration_event WHERE id > $1", [mark])).rows[0]!.n);
          runs.push({ recording, calls: r.ok, failed: r.failed, seconds: r.seconds, perSecond: r.ok / r.seconds, events });
          console.log(`  round ${round + 1} recording ${recording ? "on " : "off"}: ${r.ok} registrations in ${r.seconds.toFixed(2)} s = ${(r.ok / r.seconds).toFixed(0)}/s (failed ${r.failed}, events ${events})`);
        } finally {
          await k.stop();
        }
      }
    }
  } finally {
    await c.end();
    await server.drop("bench_register");
  }
  const best = (rec: boolean) => Math.max(...runs.filter((r) => r.recording === rec).map((r) => r.perSecond));
  const median = (rec: boolean) => {
    const v = runs.filter((r) => r.recording === rec).map((r) => r.perSecond).sort((a, b) => a - b);
    return v[Math.floor(v.length / 2)]!;
  };
  const off = median(false);
  const on = median(true);
  // Each round's on/off pair ran back to back under the same neighbours' load: the median of the
  // per-round ratios is the figure (a ratio of medians mixes rounds that saw different loads).
  const pairs = Array.from({ length: o.rounds }, (_, i) => runs[2 * i + 1]!.perSecond / runs[2 * i]!.perSecond).sort((a, b) => a - b);
  const ratio = pairs[Math.floor(pairs.length / 2)]!;
  // Every successful registration leaves a row; a REGISTER that SIPp retransmitted because the 200
  // came late (a loaded machine) is a second REGISTER the registrar answered, and leaves its own.
  const allRecorded = runs.filter((r) => r.recording).every((r) => r.events >= r.calls);
  const noneRecorded = runs.filter((r) => !r.recording).every((r) => r.events === 0);
  const table = [
    "| recording | round | registrations | failed | seconds | REGISTER/s | rows in registration_event |",
    "|---|---|---|---|---|---|---|",
    ...runs.map((r, i) => `| ${r.recording ? "on" : "off"} | ${Math.floor(i / 2) + 1} | ${r.calls} | ${r.failed} | ${r.seconds.toFixed(2)} | ${r.perSecond.toFixed(0)} | ${r.events} |`),
  ].join("\n");
  const markdown = [
    `SIPp (\`tests/fixtures/sipp/register-bench.xml\`) performs ${o.calls} full digest registrations (REGISTER → 401 → REGISTER with credentials → 200) over ${o.users} subscribers, ${o.concurrency} in flight, against Kamailio 5.6 with \`deploy/kamailio/kamailio.cfg\` (2 SIP workers, usrloc db_mode 1 writing every binding through to PostgreSQL) on the same PostgreSQL, with recording switched off (\`-A NO_REGISTRATION_EVENTS\`) and on (the default: one \`registration_event\` row per registration through \`sql_query_async\`), alternating for ${o.rounds} rounds. A "registration" counts the successful scenario (two REGISTER requests).`,
    "",
    table,
    "",
    `**Ratio with/without recording: ${ratio.toFixed(2)}** (the median of the per-round ratios ${pairs.map((p) => p.toFixed(2)).join(", ")}; required ≥ 0.80). Medians: ${off.toFixed(0)}/s without recording, ${on.toFixed(0)}/s with it; best ${best(false).toFixed(0)}/s vs ${best(true).toFixed(0)}/s. ${allRecorded ? "Every successful registration of a recording run left its row (more rows than registrations are REGISTERs SIPp retransmitted when a 200 came late, each answered and recorded; failed = scenarios SIPp gave up on under load)" : "NOT every registration of a recording run left a row"}; ${noneRecorded ? "the runs without recording left none" : "a run without recording left rows"}.`,
  ].join("\n");
  const met: string[] = [];
  const missed: string[] = [];
  (ratio >= 0.8 ? met : missed).push(`REGISTER/s with recording ≥ 0.8 × without (${ratio.toFixed(2)})`);
  if (!allRecorded || !noneRecorded) missed.push("registration_event rows = registrations");
  return {
    id: "register",
    title: "REGISTER throughput with recording",
    runtimeMs: performance.now() - started,
    markdown,
    console: `${table}\nmedian off ${off.toFixed(0)}/s, on ${on.toFixed(0)}/s; per-round ratios ${pairs.map((p) => p.toFixed(2)).join(", ")}: ratio ${ratio.toFixed(2)}`,
    met,
    missed,
  };
}
