import { hostname } from "node:os";
import { format } from "node:util";
import pino from "pino";
import { env, settingBeforeParse } from "./env";
import { instance } from "./instance";

/**
 * An error code (ECONNREFUSED, P2002, 57P03, JWT_SESSION_ERROR) is what an operator searches for, so
 * a `code` field is kept when it is one: a string with a letter in it, or a 5-character SQLSTATE.
 * Anything else under `code` (a sign-in code is digits only, 6 of them) is redacted.
 */
export function isErrorCode(value: unknown): boolean {
  return typeof value === "string" && value.length <= 64 && (/^[A-Za-z0-9_.:-]*[A-Za-z][A-Za-z0-9_.:-]*$/.test(value) || /^[0-9A-Z]{5}$/.test(value));
}

const REDACTED = "[redacted]";

/**
 * The process logger: JSON lines on stdout with an ISO-8601 time, pid, hostname and the instance id
 * (lib/instance.ts) on every line. Never pass a password, code, hash or HA1 to it: the redact list
 * below is a second line of defence, not the first.
 */
// The level comes from the configuration; while it does not parse (a script about to report what is
// wrong with it), "info". configureLog() applies it again once the configuration is parsed.
export const log = pino({
  level: settingBeforeParse("LOG_LEVEL", "info"),
  base: { service: "selfcare", pid: process.pid, hostname: hostname(), instance: instance().id },
  timestamp: pino.stdTimeFunctions.isoTime,
  redact: {
    paths: ["password", "*.password", "code", "*.code", "*.passwordHash", "*.codeHash", "*.ha1", "*.ha1b", "*.credential"],
    censor: (value, path) => (path.at(-1) === "code" && isErrorCode(value) ? value : REDACTED),
  },
});

/** Applies LOG_LEVEL once the configuration is known. */
export function configureLog(): void {
  log.level = env().LOG_LEVEL;
}

/**
 * Sends console.error / console.warn through the logger, so what Next.js prints about a failed
 * request (a message and a multi-line stack) becomes one JSON line with `err` (type, message, stack,
 * code). scripts/serve.ts installs it once the configuration is parsed.
 */
export function consoleAsJsonLines(): void {
  const holder = globalThis as unknown as { __selfcareConsoleJson?: boolean };
  if (holder.__selfcareConsoleJson) return;
  holder.__selfcareConsoleJson = true;
  const route = (level: "error" | "warn") => (...args: unknown[]) => {
    const err = args.find((a): a is Error => a instanceof Error);
    const rest = args.filter((a) => a !== err);
    const msg = rest.length > 0 ? format(...rest).trim() : (err?.message ?? "");
    if (err) log[level]({ err, source: "console" }, msg || err.message);
    else log[level]({ source: "console" }, msg);
  };
  console.error = route("error");
  console.warn = route("warn");
}
