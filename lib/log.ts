import pino from "pino";
import { env } from "./env";

/**
 * The process logger (JSON lines). Never pass a password, code, hash or HA1 to it: the redact
 * list below is a second line of defence, not the first.
 */
export const log = pino({
  level: process.env.LOG_LEVEL ?? "info",
  base: { service: "selfcare" },
  redact: {
    paths: ["password", "*.password", "code", "*.code", "*.passwordHash", "*.codeHash", "*.ha1", "*.ha1b", "*.credential"],
    censor: "[redacted]",
  },
});

/** Applies LOG_LEVEL once the configuration is known. */
export function configureLog(): void {
  log.level = env().LOG_LEVEL;
}
