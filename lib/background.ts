import { clock } from "./clock";
import { database } from "./db";
import { env } from "./env";
import { log } from "./log";
import { deliverDueEmails, smtpTransport } from "./mail/sender";

const holder = globalThis as unknown as { __selfcareLoops?: boolean };

/** Repeats `task` every `ms` (never overlapping itself); errors are logged and the loop goes on. */
export function every(ms: number, name: string, task: () => Promise<unknown>): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    try {
      await task();
    } catch (error) {
      log.error({ err: error, loop: name }, "background task failed");
    }
    if (!stopped) timer = setTimeout(tick, ms).unref();
  };
  timer = setTimeout(tick, 0).unref();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}

/** Loops that run inside the web server: the outbox sender (with SMTP_URL) and, later, the worker. */
export function startBackgroundLoops(): void {
  if (holder.__selfcareLoops) return;
  holder.__selfcareLoops = true;
  const e = env();
  if (e.SMTP_URL) {
    const transport = smtpTransport(e.SMTP_URL);
    every(e.OUTBOX_POLL_MS, "outbox", () => deliverDueEmails({ database: database(), transport, from: e.MAIL_FROM, now: clock.now() }));
    log.info("outbox sender started");
  } else {
    log.info("SMTP_URL is not set: emails stay in the outbox and are shown at /dev/mailbox");
  }
}
