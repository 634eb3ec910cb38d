import type { Database } from "../db";
import { configuredRegistrar, type RegistrarReader } from "../registration/registrar";
import { deviceName, type RegistrarOutcome } from "../registration/status";
import { log } from "../log";
import type { Promised } from "../schedule";

/** One entry of a line's timeline: a portal event (audit, email) or a registrar event (REGISTER outcome). */
export type TimelineEntry =
  | { source: "portal"; at: Date; kind: "audit"; type: string; actor: string; changeId: string | null; reason: string | null; ip: string | null; promised: Promised | null }
  | { source: "portal"; at: Date; kind: "email"; emailKind: string; subject: string; status: string }
  | { source: "registrar"; at: Date; kind: "register"; outcome: RegistrarOutcome; device: string | null; sourceAddress: string | null };

export interface TimelinePage {
  entries: TimelineEntry[];
  /** The `before` of the next (older) page, or null at the end. */
  older: Date | null;
  registrar: "observed" | "none" | "unavailable";
}

// Sign-in and account events carry no line number: they belong to every line's timeline.
const CUSTOMER_TYPES = ["LOGIN_SUCCESS", "LOGIN_FAILED", "LOCKOUT", "LOGOUT", "STAFF_UNLOCK"];

/**
 * A line's timeline, newest first, `limit` entries before `before` (all portal times; registrar
 * times moved onto the portal's clock, lib/registration/registrar.ts). Each source is read with an
 * index-backed "newest first, LIMIT n" query — AuditEvent (lineNumber, at) and (customerId, at),
 * OutboxEmail (customerId, createdAt), registration_event (username, at) — and the pages merged.
 */
export async function lineTimeline(database: Database, o: { customerId: string; lineNumber: string; now: Date; before?: Date | null; limit?: number; registrar?: RegistrarReader | null }): Promise<TimelinePage> {
  const limit = o.limit ?? 20;
  const before = o.before ?? new Date(8.64e15);
  const prisma = database.prisma;
  const [lineAudit, customerAudit, emails] = await Promise.all([
    prisma.auditEvent.findMany({ where: { lineNumber: o.lineNumber, at: { lt: before } }, orderBy: { at: "desc" }, take: limit, select: { at: true, type: true, actor: true, ip: true, details: true } }),
    prisma.auditEvent.findMany({ where: { customerId: o.customerId, lineNumber: null, type: { in: CUSTOMER_TYPES }, at: { lt: before } }, orderBy: { at: "desc" }, take: limit, select: { at: true, type: true, actor: true, ip: true, details: true } }),
    prisma.outboxEmail.findMany({ where: { customerId: o.customerId, kind: { not: "LOGIN_CODE" }, createdAt: { lt: before } }, orderBy: { createdAt: "desc" }, take: limit, select: { createdAt: true, kind: true, subject: true, status: true } }),
  ]);
  const entries: TimelineEntry[] = [];
  for (const a of [...lineAudit, ...customerAudit]) {
    const d = (a.details ?? {}) as Record<string, unknown>;
    entries.push({ source: "portal", at: a.at, kind: "audit", type: a.type, actor: a.actor, changeId: typeof d.changeId === "string" ? d.changeId : null, reason: typeof d.reason === "string" ? d.reason : null, ip: a.ip, promised: promisedOf(d.promised) });
  }
  for (const m of emails) entries.push({ source: "portal", at: m.createdAt, kind: "email", emailKind: m.kind, subject: m.subject, status: m.status });
  const reader = o.registrar === undefined ? configuredRegistrar() : o.registrar;
  let registrar: TimelinePage["registrar"] = reader ? "observed" : "none";
  if (reader) {
    try {
      for (const e of await reader.recent(o.lineNumber, o.now, { before: o.before ?? undefined, limit })) {
        entries.push({ source: "registrar", at: e.at, kind: "register", outcome: e.outcome, device: deviceName(e.userAgent), sourceAddress: e.source });
      }
    } catch (error) {
      log.warn({ err: error instanceof Error ? error.message : String(error) }, "support timeline: registrar events could not be read");
      registrar = "unavailable";
    }
  }
  entries.sort((a, b) => b.at.getTime() - a.at.getTime());
  const page = entries.slice(0, limit);
  // More exist when the merge left some out, or when any one source filled its own page.
  const full = [lineAudit, customerAudit, emails].some((r) => r.length === limit) || entries.filter((e) => e.source === "registrar").length === limit;
  return { entries: page, older: page.length > 0 && (entries.length > limit || full) ? page[page.length - 1]!.at : null, registrar };
}

/** The promise a PREVIEW_SHOWN row recorded (lib/lines/preview-shown.ts), or null. */
function promisedOf(v: unknown): Promised | null {
  if (!v || typeof v !== "object") return null;
  const p = v as { kind?: unknown; at?: unknown; by?: unknown };
  const time = (x: unknown) => (typeof x === "string" && !Number.isNaN(Date.parse(x)) ? new Date(x) : null);
  if (p.kind === "batch" && time(p.at)) return { kind: "batch", at: time(p.at)! };
  if (p.kind === "within" && time(p.by)) return { kind: "within", by: time(p.by)! };
  return null;
}
