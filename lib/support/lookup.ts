import { db } from "../db";
import { isUuid } from "../validation/ids";
import { isLocked } from "../auth/lockout";
import { promiseOf, type ServiceType } from "../schedule";
import { hasControlCharacter } from "../validation/text";

/**
 * Prisma's `contains` is a LIKE/ILIKE whose operand it does not escape (prisma/prisma#19506): a
 * "%" or "_" typed into the search box would be a wildcard. PostgreSQL's default LIKE escape is the backslash.
 */
const likeLiteral = (s: string) => s.replace(/[\\%_]/g, "\\$&");

/** A query that can only be (part of) a phone number: digits with the usual separators. */
const PHONE_LIKE = /^[\d\s\-()]+$/;

/** Customers whose self-care ID, email or one of whose line numbers contains `query` (case-insensitive). */
export async function searchCustomers(query: string, take = 20) {
  const q = query.trim();
  // No ID, address or number holds a control character (and PostgreSQL refuses NUL in a query): nothing matches.
  if (q.length === 0 || hasControlCharacter(q)) return [];
  const literal = likeLiteral(q);
  // Only a query that looks like a number searches line numbers: "demo0001" must not match every
  // line containing "0001".
  const digits = PHONE_LIKE.test(q) ? q.replace(/\D/g, "") : "";
  return db().customer.findMany({
    where: {
      OR: [
        { selfcareId: { contains: literal, mode: "insensitive" } },
        { email: { contains: literal, mode: "insensitive" } },
        ...(digits.length >= 3 ? [{ lines: { some: { number: { contains: digits } } } }] : []),
      ],
    },
    select: { id: true, selfcareId: true, email: true, lockedUntil: true, lines: { select: { number: true, service: true }, orderBy: { number: "asc" } } },
    orderBy: { selfcareId: "asc" },
    take,
  });
}

/** What the SIP side accepts for a line right now, in support's words. */
export type RegistrarState =
  | { kind: "initial" }
  | { kind: "pending"; dueAt: Date; deadline: Date; batch: boolean }
  | { kind: "applied"; appliedAt: Date }
  | { kind: "failed"; attempts: number; lastError: string | null };

function registrarState(changes: { status: string; dueAt: Date; deadline: Date; appliedAt: Date | null; attempts: number; lastError: string | null }[], service: ServiceType): RegistrarState {
  const pending = changes.find((c) => c.status === "PENDING");
  if (pending) return { kind: "pending", dueAt: pending.dueAt, deadline: pending.deadline, batch: promiseOf({ service, dueAt: pending.dueAt, deadline: pending.deadline }).kind === "batch" };
  const latest = changes.find((c) => c.status === "APPLIED" || c.status === "FAILED");
  if (latest?.status === "FAILED") return { kind: "failed", attempts: latest.attempts, lastError: latest.lastError };
  if (latest?.appliedAt) return { kind: "applied", appliedAt: latest.appliedAt };
  return { kind: "initial" };
}

/**
 * Everything support needs to answer "my phone stopped working after I changed the password":
 * account state, each line with what the registrar accepts now and every change, the audit trail
 * and the emails sent. Never a password, code, hash or HA1 (the selects below name every field).
 */
export async function customerDetail(customerId: string, now: Date) {
  if (!isUuid(customerId)) return null;
  const prisma = db();
  const customer = await prisma.customer.findUnique({
    where: { id: customerId },
    select: { id: true, selfcareId: true, email: true, locale: true, failedLoginCount: true, lockoutCount: true, lockedUntil: true, createdAt: true },
  });
  if (!customer) return null;
  const lines = await prisma.line.findMany({
    where: { customerId },
    orderBy: { number: "asc" },
    select: {
      id: true,
      number: true,
      service: true,
      failedPasswordCount: true,
      blockedUntil: true,
      changes: {
        orderBy: { requestedAt: "desc" },
        select: { id: true, requestedAt: true, dueAt: true, deadline: true, status: true, attempts: true, lastError: true, appliedAt: true, nextAttemptAt: true, supersededById: true, cancelledAt: true },
      },
    },
  });
  const registrar = await prisma.registrarCredential.findMany({
    where: { username: { in: lines.map((l) => l.number) } },
    select: { username: true, lastChangeId: true, updatedAt: true },
  });
  const [audit, emails, openChallenges] = await Promise.all([
    prisma.auditEvent.findMany({
      where: { OR: [{ customerId }, { selfcareId: customer.selfcareId }] },
      orderBy: { at: "desc" },
      take: 200,
      select: { id: true, at: true, type: true, actor: true, lineNumber: true, ip: true, userAgent: true, details: true, staffUserId: true },
    }),
    prisma.outboxEmail.findMany({
      where: { customerId },
      orderBy: { createdAt: "desc" },
      take: 100,
      select: { id: true, kind: true, subject: true, status: true, createdAt: true, sentAt: true, attempts: true },
    }),
    prisma.loginChallenge.count({ where: { customerId, consumedAt: null, invalidatedAt: null, expiresAt: { gt: now } } }),
  ]);
  return {
    customer: { ...customer, locked: isLocked(customer.lockedUntil, now), openChallenges },
    lines: lines.map((l) => ({
      ...l,
      registrar: registrarState(l.changes, l.service),
      registrarRow: registrar.find((r) => r.username === l.number) ?? null,
    })),
    audit: audit.map((a) => ({ ...a, id: a.id.toString() })),
    emails,
  };
}
