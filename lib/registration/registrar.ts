import pg from "pg";
import { env } from "../env";
import { log } from "../log";
import type { RegistrarEvent, RegistrarFacts, RegistrarOutcome } from "./status";

/** At most this many REGISTER outcomes are read per line and question (the newest window is enough). */
export const EVENTS_PER_LINE = 500;

/** Reads registration_event in the registrar's database (KAMAILIO_DATABASE_URL). */
export interface RegistrarReader {
  /**
   * For each line, the outcomes from its reflection on (oldest first), with times moved onto the
   * caller's clock: an event `age` seconds old on the registrar's clock is `now − age` here (the
   * registrar's and the portal's clocks may differ; the e2e suite's clock is simulated).
   */
  facts(lines: { username: string; registrarAppliedAt: Date }[], now: Date): Promise<Map<string, RegistrarFacts>>;
  /** A line's events newest first, before `before` (caller's clock), for the support timeline. */
  recent(username: string, now: Date, o: { before?: Date; limit: number }): Promise<RegistrarEvent[]>;
  close(): Promise<void>;
}

interface EventRow {
  username: string;
  at: Date;
  outcome: RegistrarOutcome;
  user_agent: string | null;
  source: string | null;
  registrar_now: Date;
}

export function registrarReader(url: string): RegistrarReader {
  const pool = new pg.Pool({ connectionString: url, max: 3, connectionTimeoutMillis: 3_000, statement_timeout: 5_000, idleTimeoutMillis: 30_000 });
  pool.on("error", () => undefined);
  const move = (at: Date, registrarNow: Date, now: Date) => new Date(now.getTime() - (registrarNow.getTime() - at.getTime()));
  return {
    async facts(lines, now) {
      const out = new Map<string, RegistrarFacts>();
      if (lines.length === 0) return out;
      // One statement for all lines: per line, the (username, at) index gives its first
      // EVENTS_PER_LINE outcomes after its reflection (the registrar's own clock).
      const { rows } = await pool.query<EventRow & { since: Date }>(
        `SELECT l.username, l.since, e.at, e.outcome, e.user_agent, e.source, now() AS registrar_now
           FROM unnest($1::text[], $2::timestamptz[]) AS l(username, since)
           LEFT JOIN LATERAL (
             SELECT at, outcome, user_agent, source FROM registration_event r
              WHERE r.username = l.username AND r.at > l.since
              ORDER BY r.at LIMIT $3) e ON true`,
        [lines.map((l) => l.username), lines.map((l) => l.registrarAppliedAt), EVENTS_PER_LINE],
      );
      for (const r of rows) {
        const registrarNow = new Date(r.registrar_now);
        let f = out.get(r.username);
        if (!f) out.set(r.username, (f = { reflectedAt: move(new Date(r.since), registrarNow, now), events: [] }));
        if (r.at) f.events.push({ at: move(new Date(r.at), registrarNow, now), outcome: r.outcome, userAgent: r.user_agent, source: r.source });
      }
      return out;
    },
    async recent(username, now, o) {
      const { rows } = await pool.query<EventRow>(
        `SELECT at, outcome, user_agent, source, now() AS registrar_now FROM registration_event
          WHERE username = $1 AND ($2::double precision IS NULL OR at < now() - make_interval(secs => $2))
          ORDER BY at DESC LIMIT $3`,
        [username, o.before ? Math.max(0, (now.getTime() - o.before.getTime()) / 1000) : null, o.limit],
      );
      return rows.map((r) => ({ at: move(new Date(r.at), new Date(r.registrar_now), now), outcome: r.outcome, userAgent: r.user_agent, source: r.source }));
    },
    close: () => pool.end(),
  };
}

let shared: RegistrarReader | null | undefined;

/** The configured registrar's reader, or null when there is none to observe (PROVISIONER=internal). */
export function configuredRegistrar(): RegistrarReader | null {
  if (shared !== undefined) return shared;
  const e = env();
  shared = e.PROVISIONER === "kamailio" && e.KAMAILIO_DATABASE_URL && e.REGISTRATION_EVENTS ? registrarReader(e.KAMAILIO_DATABASE_URL) : null;
  return shared;
}

/** Facts for lines, or "unavailable" when the registrar's database does not answer (logged, never thrown). */
export async function observe(reader: RegistrarReader | null, lines: { username: string; registrarAppliedAt: Date | null }[], now: Date): Promise<Map<string, RegistrarFacts> | null | "unavailable"> {
  if (!reader) return null;
  const known = lines.filter((l): l is { username: string; registrarAppliedAt: Date } => l.registrarAppliedAt !== null);
  try {
    return await reader.facts(known, now);
  } catch (error) {
    log.warn({ err: error instanceof Error ? error.message : String(error) }, "registrar events could not be read");
    return "unavailable";
  }
}
