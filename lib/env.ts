import { DateTime } from "luxon";
import { z } from "zod";

/**
 * The outbox sender's defaults (OUTBOX_BATCH_SIZE, OUTBOX_CONCURRENCY, OUTBOX_SMTP_CONNECTIONS), also
 * what the scale bench measures: 10 connections × 40 in flight sent 2,659 messages/s to a relay that
 * accepts at once at a million customers; 5 × 20 sent 1,531/s at 50,000 (docs/benchmarks.md, ADR 038).
 */
export const OUTBOX_DEFAULTS = { batchSize: 500, concurrency: 40, connections: 10 } as const;

const isoInstant = z
  .string()
  .trim()
  // luxon refuses impossible dates (2026-02-30, 24:00) that Date.parse would roll over.
  .refine((v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(v) && DateTime.fromISO(v, { setZone: true }).isValid, {
    message: "must be an ISO-8601 instant with a zone, e.g. 2026-11-25T14:00:00+09:00",
  })
  .transform((v) => new Date(v));

const emptyAsUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const opt = <T extends z.ZodType>(schema: T) => z.preprocess(emptyAsUndefined, schema.optional());
const bool = z.enum(["0", "1", "true", "false"]).transform((v) => v === "1" || v === "true");

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and localhost: addresses nobody else can connect to. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (h === "localhost" || h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  const v4 = h.replace(/^::ffff:/, "");
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(v4);
  return m !== null && m.slice(1).every((o) => Number(o) <= 255);
}

const schema = z
  .object({
    // Next.js forces NODE_ENV=production for every built server, so the deployment is named apart.
    APP_ENV: z.preprocess(emptyAsUndefined, z.enum(["development", "test", "production"]).default("development")),
    HOST: z.preprocess(emptyAsUndefined, z.string().default("127.0.0.1")),
    PORT: z.preprocess(emptyAsUndefined, z.string().regex(/^\d{1,5}$/, "must be a port number (1-65535)").transform(Number).pipe(z.number().int().min(1, "must be a port number (1-65535)").max(65535, "must be a port number (1-65535)")).default(3000)),
    DATABASE_URL: opt(z.string().regex(/^postgres(ql)?:\/\//, "must start with postgres:// or postgresql://")),
    DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default(".data")),
    SMTP_URL: opt(z.string().regex(/^smtps?:\/\//, "must start with smtp:// or smtps://")),
    MAIL_FROM: z.preprocess(emptyAsUndefined, z.string().default("IP電話サポート <no-reply@example.jp>")),
    APP_NOW: opt(isoInstant),
    NEXTAUTH_URL: opt(z.url()),
    NEXTAUTH_SECRET: opt(z.string().min(32, "must be at least 32 characters")),
    CREDENTIAL_KEY: opt(z.string().regex(/^[0-9a-fA-F]{64}$/, "must be 64 hex characters (32 bytes)")),
    SIP_REALM: z.preprocess(emptyAsUndefined, z.string().regex(/^[A-Za-z0-9.-]+$/, "must be a host name").default("sip.example.jp")),
    PROVISIONER: z.preprocess(emptyAsUndefined, z.enum(["internal", "kamailio"]).default("internal")),
    KAMAILIO_DATABASE_URL: opt(z.string().regex(/^postgres(ql)?:\/\//, "must start with postgres:// or postgresql://")),
    // Registration truth (issue 17): read registration_event in the registrar's database (KAMAILIO_DATABASE_URL).
    REGISTRATION_EVENTS: z.preprocess(emptyAsUndefined, bool.default(true)),
    // Minutes after a reflection at which "still the old password" is emailed when the registrar saw only failures.
    REGISTRATION_REMINDER_MINUTES: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(1440).default(30)),
    // How long after a reflection the worker watches for the device's registration (hours).
    REGISTRATION_WATCH_HOURS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(168).default(24)),
    // How often the worker's registration watch runs at most (ms).
    REGISTRATION_WATCH_EVERY_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(100).max(600_000).default(10_000)),
    // How often an open status block asks again (seconds).
    REGISTRATION_STATUS_POLL_SECONDS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(600).default(15)),
    // Kamailio's JSON-RPC (jsonrpcs over xhttp) for support's "drop bindings", and its bearer token.
    KAMAILIO_RPC_URL: opt(z.url()),
    KAMAILIO_RPC_TOKEN: opt(z.string().min(16, "must be at least 16 characters")),
    // Drop a line's bindings (ul.rm) when its change is reflected, so the old password stops at once.
    DROP_BINDINGS_ON_REFLECTION: z.preprocess(emptyAsUndefined, bool.default(false)),
    WORKER_IN_SERVER: z.preprocess(emptyAsUndefined, bool.default(true)),
    WORKER_POLL_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(50).max(5000).default(1000)),
    WORKER_BATCH_SIZE: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(5000).default(200)),
    WORKER_MAX_ATTEMPTS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(100).default(8)),
    // At start, how long the web server and the worker wait for a database that does not answer yet (0: not at all).
    DATABASE_WAIT_SECONDS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(3600).default(60)),
    // The outbox sender: messages claimed per batch, handed to SMTP at once, SMTP connections kept open.
    OUTBOX_BATCH_SIZE: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(5000).default(OUTBOX_DEFAULTS.batchSize)),
    OUTBOX_CONCURRENCY: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(200).default(OUTBOX_DEFAULTS.concurrency)),
    OUTBOX_SMTP_CONNECTIONS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(100).default(OUTBOX_DEFAULTS.connections)),
    OUTBOX_POLL_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(50).max(60000).default(1000)),
    // Retention (lib/retention, docs/operations.md "Retention"): how long each kind of row is kept.
    // Default: on in production only. Outside production a browser's simulated clock (ADR 005) writes
    // times that are not the server's, and a cleanup by the server's clock would delete live rows.
    RETENTION_ENABLED: opt(bool),
    RETENTION_INTERVAL_MINUTES: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(1440).default(15)),
    RETENTION_BATCH_SIZE: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(100_000).default(5000)),
    // Audit events and the change history (0: kept forever, e.g. under a legal hold).
    RETENTION_AUDIT_DAYS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(36_500).default(400)),
    RETENTION_EMAIL_DAYS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(36_500).default(180)),
    RETENTION_EMAIL_BODY_DAYS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(36_500).default(30)),
    RETENTION_CHALLENGE_HOURS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(8760).default(24)),
    RETENTION_SESSION_HOURS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(8760).default(24)),
    RETENTION_RATE_LIMIT_HOURS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(8760).default(1)),
    SEED_DEMO: opt(bool),
    TEST_API_TOKEN: opt(z.string().min(8, "must be at least 8 characters")),
    TRUST_PROXY: z.preprocess(emptyAsUndefined, bool.default(false)),
    // Development and test mode trust the browser's simulated clock and show every code at
    // /dev/mailbox: they listen on a loopback address only, unless this says otherwise.
    UNSAFE_DEV_MODE_ON_PUBLIC_INTERFACE: z.preprocess(emptyAsUndefined, bool.default(false)),
    // Bearer token for GET /metrics (and a worker's WORKER_METRICS_PORT). Without it /metrics is open on loopback only, and closed in production.
    METRICS_TOKEN: opt(z.string().min(16, "must be at least 16 characters")),
    // A separate worker (npm run worker) serves its own /metrics on this port when set.
    WORKER_METRICS_PORT: opt(z.string().regex(/^\d{1,5}$/, "must be a port number (1-65535)").transform(Number).pipe(z.number().int().min(1, "must be a port number (1-65535)").max(65535, "must be a port number (1-65535)"))),
    // Names this process in logs, metrics and worker heartbeats (e.g. web-1, worker-2); default host-pid-random.
    INSTANCE_ID: opt(z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, "must be 1-64 letters, digits, . _ @ -")),
    // The support desk shown on every signed-out page and on the code screen (docs/operations.md).
    SUPPORT_PHONE: z.preprocess(emptyAsUndefined, z.string().regex(/^[0-9+][0-9-]{5,19}$/, "must be a phone number of digits and hyphens, e.g. 0120-123-456").default("0120-123-456")),
    SUPPORT_HOURS: z.preprocess(emptyAsUndefined, z.string().regex(/^([01]?\d|2[0-3]):[0-5]\d-([01]?\d|2[0-4]):[0-5]\d$/, "must be opening hours in Japan time as HH:MM-HH:MM, e.g. 09:00-18:00").default("09:00-18:00")),
    SUPPORT_DAYS: z.preprocess(emptyAsUndefined, z.enum(["weekdays", "daily"]).default("weekdays")),
    SUPPORT_URL: z.preprocess(emptyAsUndefined, z.string().regex(/^(https:\/\/|\/(?!\/))\S*$/, "must be an https:// address or a path of this site (/…)").default("/guide")),
    LOG_LEVEL: z.preprocess(emptyAsUndefined, z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info")),
  })
  .superRefine((e, ctx) => {
    if (e.APP_ENV !== "production") return;
    if (e.APP_NOW) ctx.addIssue({ code: "custom", path: ["APP_NOW"], message: "is not allowed in production (the clock must be real)" });
    for (const name of ["NEXTAUTH_SECRET", "CREDENTIAL_KEY", "SMTP_URL", "NEXTAUTH_URL"] as const) {
      if (!e[name]) ctx.addIssue({ code: "custom", path: [name], message: "is required in production" });
    }
    if (e.TEST_API_TOKEN) ctx.addIssue({ code: "custom", path: ["TEST_API_TOKEN"], message: "is not allowed in production" });
    // The embedded PGlite holds one process on one disk: no second instance, no separate workers, no
    // server-side backups. Production names its PostgreSQL server.
    if (!e.DATABASE_URL) {
      ctx.addIssue({ code: "custom", path: ["DATABASE_URL"], message: "is required in production (a PostgreSQL server, postgresql://…): the embedded database is refused there" });
    }
  })
  .superRefine((e, ctx) => {
    if (e.APP_ENV === "production" || e.UNSAFE_DEV_MODE_ON_PUBLIC_INTERFACE || isLoopbackHost(e.HOST)) return;
    ctx.addIssue({
      code: "custom",
      path: ["HOST"],
      message: `is not a loopback address: APP_ENV=${e.APP_ENV} trusts the simulated-clock cookie and shows every code at /dev/mailbox, so it listens on 127.0.0.1/::1/localhost only (set UNSAFE_DEV_MODE_ON_PUBLIC_INTERFACE=true to override, never on a network others can reach)`,
    });
  })
  .superRefine((e, ctx) => {
    if (e.RETENTION_EMAIL_BODY_DAYS > e.RETENTION_EMAIL_DAYS) {
      ctx.addIssue({ code: "custom", path: ["RETENTION_EMAIL_BODY_DAYS"], message: `must not exceed RETENTION_EMAIL_DAYS (${e.RETENTION_EMAIL_DAYS}): a body cannot outlive its row` });
    }
  })
  .superRefine((e, ctx) => {
    if (e.PROVISIONER === "kamailio" && !e.KAMAILIO_DATABASE_URL) {
      ctx.addIssue({ code: "custom", path: ["KAMAILIO_DATABASE_URL"], message: "is required when PROVISIONER=kamailio" });
    }
    if (e.DROP_BINDINGS_ON_REFLECTION && (!e.KAMAILIO_RPC_URL || !e.KAMAILIO_RPC_TOKEN)) {
      ctx.addIssue({ code: "custom", path: ["DROP_BINDINGS_ON_REFLECTION"], message: "needs KAMAILIO_RPC_URL and KAMAILIO_RPC_TOKEN" });
    }
  });

export type Env = z.infer<typeof schema>;

/** A configuration error that names the variable(s) at fault. */
export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

/** Parses a set of variables; throws EnvError naming each bad variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = schema.safeParse(source);
  if (!result.success) {
    throw new EnvError(result.error.issues.map((i) => `${i.path.join(".") || "(environment)"} ${i.message}`));
  }
  return result.data;
}

let cached: Env | undefined;

/** The process's configuration, parsed once. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/**
 * A value of the configuration for code that must go on when it does not parse: the proxy answers
 * every request (an unparsable configuration must not make each one a 500), and gets `fallback`
 * then. Parsed once and cached like env() when it parses; nothing is cached when it does not.
 */
export function envOr<T>(read: (e: Env) => T, fallback: T): T {
  try {
    return read(env());
  } catch (error) {
    if (error instanceof EnvError) return fallback;
    throw error;
  }
}

/**
 * One setting read before the configuration is known to be complete: lib/log.ts is imported by the
 * scripts that report a bad configuration and by scripts that set variables after their imports, so
 * it neither throws nor caches. The parsed value when the configuration parses, else `fallback`.
 */
export function settingBeforeParse<K extends keyof Env>(name: K, fallback: Env[K]): Env[K] {
  if (cached) return cached[name];
  const result = schema.safeParse(process.env);
  return result.success ? result.data[name] : fallback;
}

/** Forget the parsed configuration (tests that change process.env). */
export function resetEnvCache(): void {
  cached = undefined;
}

export const isProduction = () => env().APP_ENV === "production";
