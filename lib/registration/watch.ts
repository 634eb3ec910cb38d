import type { Database, SqlQuery } from "../db";
import type { Locale } from "../format";
import { adapterGuideUrl } from "../lines/change-password";
import { auditMany } from "../audit";
import { log } from "../log";
import { enqueueEmails } from "../mail/outbox";
import { oldPasswordEmail, registeredEmail } from "../mail/templates";
import { observe, type RegistrarReader } from "./registrar";
import { registrationStatus } from "./status";

export interface WatchOptions {
  database: Database;
  registrar: RegistrarReader;
  /** The worker's clock (the same one that set appliedAt). */
  now: Date;
  reminderMinutes: number;
  watchHours: number;
  /** Changes looked at per round (the oldest reflections first). */
  limit?: number;
}

interface Watched {
  id: string;
  appliedAt: Date;
  registrarAppliedAt: Date | null;
  dueAt: Date;
  deadline: Date;
  oldPasswordMailAt: Date | null;
  number: string;
  customerId: string;
  selfcareId: string;
  email: string;
  locale: string;
}

// Applied changes still waiting for their first registration, reflected within the watch window,
// each the newest applied change of its line (an older one's password is no longer the registrar's).
// The partial index PasswordChange_registration_watch_idx holds exactly the first two conditions.
const WATCHED = `
  SELECT pc.id, pc."appliedAt", pc."registrarAppliedAt", pc."dueAt", pc.deadline, pc."oldPasswordMailAt",
         l.number, l."customerId", c."selfcareId", c.email, c.locale
    FROM "PasswordChange" pc
    JOIN "Line" l ON l.id = pc."lineId"
    JOIN "Customer" c ON c.id = l."customerId"
   WHERE pc.status = 'APPLIED' AND pc."registeredMailAt" IS NULL
     AND pc."appliedAt" > $1 AND pc."appliedAt" <= $2
     AND (pc."appliedAt", pc.id) > ($4::timestamptz, $5::uuid)
     AND NOT EXISTS (SELECT 1 FROM "PasswordChange" n WHERE n."lineId" = pc."lineId" AND n.status = 'APPLIED' AND n."appliedAt" > pc."appliedAt")
   ORDER BY pc."appliedAt", pc.id
   LIMIT $3`;

export interface WatchResult {
  watched: number;
  registered: number;
  reminded: number;
}

/**
 * One round of the registration watch: for each watched change, what the registrar saw since its
 * reflection. The first registration with the new password is recorded and emailed once; if only
 * failures were seen `reminderMinutes` after the reflection, "still the old password" is emailed
 * once. "Once" holds across any number of workers: each mail is written in the transaction of a
 * conditional UPDATE (… IS NULL) that only one of them wins.
 */
export async function watchRegistrations(o: WatchOptions): Promise<WatchResult> {
  const result: WatchResult = { watched: 0, registered: 0, reminded: 0 };
  const limit = o.limit ?? 500;
  // Pages of `limit` in (appliedAt, id) order, so a 17:30 batch of any size is walked whole.
  let after: [Date, string] = [new Date(0), "00000000-0000-0000-0000-000000000000"];
  for (;;) {
    const rows = await o.database.sql.query<Watched>(WATCHED, [new Date(o.now.getTime() - o.watchHours * 3_600_000), o.now, limit, after[0], after[1]]);
    result.watched += rows.length;
    if (rows.length === 0) break;
    if (!(await watchPage(o, rows, result))) break;
    if (rows.length < limit) break;
    const last = rows[rows.length - 1]!;
    after = [new Date(last.appliedAt), last.id];
  }
  if (result.registered + result.reminded > 0) log.info(result, "registration watch");
  return result;
}

/** One page: false when the registrar did not answer (the round ends; the next one tries again). */
async function watchPage(o: WatchOptions, rows: Watched[], result: WatchResult): Promise<boolean> {
  const facts = await observe(o.registrar, rows.map((r) => ({ username: r.number, registrarAppliedAt: r.registrarAppliedAt })), o.now);
  if (facts === null || facts === "unavailable") return false;
  for (const r of rows) {
    const f = facts.get(r.number);
    if (!f) continue;
    const s = registrationStatus({ status: "APPLIED", appliedAt: new Date(r.appliedAt), dueAt: r.dueAt, deadline: r.deadline, batch: true }, f, o.now);
    const locale = (r.locale === "en" ? "en" : "ja") as Locale;
    if (s.kind === "registered") {
      const won = await o.database.sql.transaction(async (q) => {
        const u = await q(
          `UPDATE "PasswordChange" SET "registeredAt" = $2, "registeredDevice" = $3, "registeredMailAt" = $4 WHERE id = $1 AND "registeredMailAt" IS NULL RETURNING id`,
          [r.id, s.at, s.device, o.now],
        );
        if (u.length === 0) return false;
        const mail = registeredEmail({ locale, name: r.selfcareId, number: r.number, at: s.at, device: s.device });
        await appendMail(q, o.now, r, "REGISTRATION_SEEN", mail, { changeId: r.id, registeredAt: s.at.toISOString(), device: s.device });
        return true;
      });
      if (won) result.registered++;
    } else if (s.kind === "old-password" && !r.oldPasswordMailAt && o.now.getTime() - new Date(r.appliedAt).getTime() >= o.reminderMinutes * 60_000) {
      const won = await o.database.sql.transaction(async (q) => {
        const u = await q(`UPDATE "PasswordChange" SET "oldPasswordMailAt" = $2 WHERE id = $1 AND "oldPasswordMailAt" IS NULL AND "registeredMailAt" IS NULL RETURNING id`, [r.id, o.now]);
        if (u.length === 0) return false;
        const mail = oldPasswordEmail({ locale, name: r.selfcareId, number: r.number, failures: s.failures, since: s.since, howtoUrl: adapterGuideUrl() });
        await appendMail(q, o.now, r, "REGISTRATION_OLD_PASSWORD", mail, { changeId: r.id, failures: s.failures, since: s.since.toISOString() });
        return true;
      });
      if (won) result.reminded++;
    }
  }
  return true;
}

/** The audit row and the outbox message of one registration email (the caller's transaction). */
async function appendMail(q: SqlQuery, now: Date, r: Watched, kind: "REGISTRATION_SEEN" | "REGISTRATION_OLD_PASSWORD", mail: { subject: string; body: string }, details: Record<string, string | number | null>) {
  await auditMany(q, [{ type: kind, actor: "system", at: now, selfcareId: r.selfcareId, customerId: r.customerId, lineNumber: r.number, details }]);
  await enqueueEmails(q, [{ kind, to: r.email, subject: mail.subject, body: mail.body, customerId: r.customerId }], now);
}
