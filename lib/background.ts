import { clock } from "./clock";
import { database } from "./db";
import { env } from "./env";
import { log } from "./log";
import { every } from "./loop";
import { deliverDueEmails, smtpTransport } from "./mail/sender";
import { configuredProvisioner } from "./provisioning/configured";
import { startReflectionWorker } from "./reflection/loop";

const holder = globalThis as unknown as { __selfcareLoops?: boolean };

/** Starts the outbox sender (with SMTP_URL) for this process. */
export function startOutboxSender(): (() => Promise<void>) | null {
  const e = env();
  if (!e.SMTP_URL) {
    log.info("SMTP_URL is not set: emails stay in the outbox and are shown at /dev/mailbox");
    return null;
  }
  const transport = smtpTransport(e.SMTP_URL);
  log.info("outbox sender started");
  return every(e.OUTBOX_POLL_MS, "outbox", () => deliverDueEmails({ database: database(), transport, from: e.MAIL_FROM, now: clock.now() }));
}

/** Loops that run inside the web server: the outbox sender and (unless WORKER_IN_SERVER=false) the reflection worker. */
export function startBackgroundLoops(): void {
  if (holder.__selfcareLoops) return;
  holder.__selfcareLoops = true;
  startOutboxSender();
  if (env().WORKER_IN_SERVER) startReflectionWorker(database(), configuredProvisioner());
  else log.info("WORKER_IN_SERVER=false: run `npm run worker` to reflect changes");
}
