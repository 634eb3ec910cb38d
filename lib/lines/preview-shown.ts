import type { ClientInfo } from "../audit";
import type { Database } from "../db";
import { log } from "../log";
import { countAuditEvent } from "../metrics";
import { promiseOf } from "../schedule";
import type { ReflectionPreview } from "./queries";

/** At most this many PREVIEW_SHOWN rows per line in any 24 hours (forged form keys cannot flood the audit). */
export const PREVIEW_SHOWN_PER_LINE_PER_DAY = 50;

export interface PreviewShown {
  database: Database;
  customer: { id: string; loginId: string };
  lineNumber: string;
  /** The form's idempotency key (a UUID; anything else records nothing). */
  formKey: unknown;
  preview: ReflectionPreview;
  client: ClientInfo;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Records that the input screen showed `preview` for a line, once per form and line and again only
 * when the promise it shows changes (17:30 → 18:30 as 17:00 passes): one conditional INSERT on the
 * unique partial index "AuditEvent_preview_shown_key" (lineNumber, formKey, promise), so concurrent
 * asks leave one row. A soft cap of PREVIEW_SHOWN_PER_LINE_PER_DAY rows a day per line bounds it.
 * Never throws: the preview is shown whether or not its record could be written.
 * Returns whether a row was written.
 */
export async function recordPreviewShown(o: PreviewShown): Promise<boolean> {
  if (typeof o.formKey !== "string" || !UUID.test(o.formKey)) return false;
  const p = o.preview;
  const promised = promiseOf({ service: p.service, dueAt: p.dueAt, deadline: p.deadline });
  const details = {
    formKey: o.formKey.toLowerCase(),
    promise: p.promise,
    promised: promised.kind === "batch" ? { kind: "batch", at: promised.at.toISOString() } : { kind: "within", by: promised.by.toISOString() },
  };
  try {
    const rows = await o.database.sql.query(
      `INSERT INTO "AuditEvent" (at, type, actor, "selfcareId", "customerId", "lineNumber", ip, "userAgent", details)
       SELECT $1::timestamptz, 'PREVIEW_SHOWN', 'customer', $2, $3::uuid, $4, $5, $6, $7::jsonb
        WHERE (SELECT count(*) FROM "AuditEvent" WHERE type = 'PREVIEW_SHOWN' AND "lineNumber" = $4 AND at > $1::timestamptz - interval '1 day') < $8
       ON CONFLICT ("lineNumber", (details->>'formKey'), (details->>'promise')) WHERE type = 'PREVIEW_SHOWN' DO NOTHING
       RETURNING id`,
      [p.requestedAt, o.customer.loginId, o.customer.id, o.lineNumber, o.client.ip?.slice(0, 64) ?? null, o.client.userAgent?.slice(0, 400) ?? null, JSON.stringify(details), PREVIEW_SHOWN_PER_LINE_PER_DAY],
    );
    if (rows.length > 0) countAuditEvent("PREVIEW_SHOWN", "customer");
    return rows.length > 0;
  } catch (error) {
    log.warn({ err: error instanceof Error ? error.message : String(error) }, "preview shown: audit row not written");
    return false;
  }
}
