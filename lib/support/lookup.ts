import type { Database, PrismaClient } from "../db";
import { isUuid } from "../validation/ids";
import { isLocked } from "../auth/lockout";
import { promiseOf, type ServiceType } from "../schedule";
import { hasControlCharacter } from "../validation/text";

/** PostgreSQL's default LIKE escape is the backslash: a "%" or "_" typed into the search box is literal. */
const likeLiteral = (s: string) => s.replace(/[\\%_]/g, "\\$&");

/** A query that can only be (part of) a phone number: digits with the usual separators. */
const PHONE_LIKE = /^[\d\s\-()]+$/;

/**
 * The shortest partial query: a trigram index serves a pattern of three characters or more; a
 * shorter fragment would walk every customer (and match most of them). An exact self-care ID of any
 * length is still found (the unique index).
 */
export const SEARCH_MIN_PARTIAL = 3;
/** Results per page. */
export const SEARCH_PAGE_SIZE = 20;

export interface FoundCustomer {
  id: string;
  selfcareId: string;
  email: string;
  lockedUntil: Date | null;
  lines: { number: string; service: ServiceType }[];
}

export type CustomerSearch =
  | { kind: "empty" }
  | { kind: "too-short"; min: number }
  | {
      kind: "results";
      /** How the customers were found: the exact self-care ID (alone), or partial matches. */
      match: "exact" | "partial";
      customers: FoundCustomer[];
      /** Pass as `after` for the next page (the last self-care ID shown), or null on the last page. */
      next: string | null;
    };

/**
 * The support search at a million customers (docs/decisions/035-support-search-at-scale.md):
 * 1. the exact self-care ID through the unique index — that customer alone;
 * 2. else, for a query of SEARCH_MIN_PARTIAL characters or more, three ordered, limited queries —
 *    the ID, the email (both ILIKE on a pg_trgm index) and, for a query that looks like a number, the
 *    line number matched on `Line` first and joined to its customer by id — merged by self-care ID.
 * Paging is by keyset (`after`: the last self-care ID of the previous page), so page 50 costs what
 * page 1 does and a customer added meanwhile never shifts a page.
 */
export async function findCustomers(database: Database, query: string, o: { after?: string | null; take?: number } = {}): Promise<CustomerSearch> {
  const q = query.trim();
  // No ID, address or number holds a control character (and PostgreSQL refuses NUL in a query): nothing matches.
  if (q.length === 0) return { kind: "empty" };
  if (hasControlCharacter(q)) return { kind: "results", match: "partial", customers: [], next: null };
  const take = Math.min(Math.max(1, o.take ?? SEARCH_PAGE_SIZE), 100);
  const after = o.after && !hasControlCharacter(o.after) ? o.after : null;
  const sql = database.sql;

  if (!after) {
    const exact = await sql.query<{ id: string }>(`SELECT id FROM "Customer" WHERE "selfcareId" = $1`, [q]);
    if (exact.length === 1) return { kind: "results", match: "exact", customers: await customersById(database.prisma, exact.map((r) => r.id)), next: null };
  }
  // Only a query that looks like a number searches line numbers: "demo0001" must not match every
  // line containing "0001".
  const digits = PHONE_LIKE.test(q) ? q.replace(/\D/g, "") : "";
  if ([...q].length < SEARCH_MIN_PARTIAL && digits.length < SEARCH_MIN_PARTIAL) return { kind: "too-short", min: SEARCH_MIN_PARTIAL };

  const pattern = `%${likeLiteral(q)}%`;
  // One more than a page, to know whether there is a next one. Each branch is ordered by the
  // self-care ID and limited, so the planner may walk the ID's b-tree and stop early for a common
  // fragment, or take the trigram index for a rare one; the outer ORDER BY keeps the order exact.
  const limit = take + 1;
  const params: unknown[] = [after, limit];
  const branches: string[] = [];
  if ([...q].length >= SEARCH_MIN_PARTIAL) {
    params.push(pattern);
    const p = `$${params.length}`;
    for (const column of ['"selfcareId"', "email"]) {
      branches.push(`(SELECT id, "selfcareId" FROM "Customer" WHERE ${column} ILIKE ${p} AND ($1::text IS NULL OR "selfcareId" > $1) ORDER BY "selfcareId" LIMIT $2)`);
    }
  }
  if (digits.length >= SEARCH_MIN_PARTIAL) {
    params.push(`%${digits}%`);
    branches.push(
      `(SELECT c.id, c."selfcareId" FROM "Customer" c WHERE c.id IN (SELECT l."customerId" FROM "Line" l WHERE l.number LIKE $${params.length})
         AND ($1::text IS NULL OR c."selfcareId" > $1) ORDER BY c."selfcareId" LIMIT $2)`,
    );
  }
  // The merge is the database's, so the page's order is the same collation as the keyset's `>`.
  const rows = await sql.query<{ id: string; selfcareId: string }>(`SELECT id, "selfcareId" FROM (${branches.join(" UNION ")}) AS m ORDER BY "selfcareId" LIMIT $2`, params);
  const page = rows.slice(0, take);
  const customers = await customersById(database.prisma, page.map((r) => r.id));
  return { kind: "results", match: "partial", customers, next: rows.length > take ? page.at(-1)!.selfcareId : null };
}

/** The customers with these ids, in that order, with their lines (never a secret: the select names every field). */
async function customersById(prisma: PrismaClient, ids: string[]): Promise<FoundCustomer[]> {
  if (ids.length === 0) return [];
  const rows = await prisma.customer.findMany({
    where: { id: { in: ids } },
    select: { id: true, selfcareId: true, email: true, lockedUntil: true, lines: { select: { number: true, service: true }, orderBy: { number: "asc" } } },
  });
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id)).filter((c): c is FoundCustomer => c !== undefined);
}

/** The first page of findCustomers as a list (empty for an empty or too short query). */
export async function searchCustomers(database: Database, query: string, take = SEARCH_PAGE_SIZE): Promise<FoundCustomer[]> {
  const r = await findCustomers(database, query, { take });
  return r.kind === "results" ? r.customers : [];
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

const AUDIT_SELECT = { id: true, at: true, type: true, actor: true, lineNumber: true, ip: true, userAgent: true, details: true, staffUserId: true } as const;

/**
 * A customer's newest audit events (newest first, at most `take`): those naming the customer's id
 * and those naming the self-care ID only (failed sign-ins before the account was known). Two
 * ordered, limited index scans — (customerId, at) and (selfcareId, at) — merged, instead of one OR
 * that reads all of a customer's events before sorting them. Ids are strings (JSON-safe).
 */
export async function customerAuditEvents(database: Database, customer: { id: string; selfcareId: string }, take = 200) {
  const prisma = database.prisma;
  const [byId, byLogin] = await Promise.all([
    prisma.auditEvent.findMany({ where: { customerId: customer.id }, orderBy: { at: "desc" }, take, select: AUDIT_SELECT }),
    prisma.auditEvent.findMany({ where: { selfcareId: customer.selfcareId }, orderBy: { at: "desc" }, take, select: AUDIT_SELECT }),
  ]);
  const merged = new Map<bigint, (typeof byId)[number]>();
  for (const e of [...byId, ...byLogin]) merged.set(e.id, e);
  return [...merged.values()]
    .sort((a, b) => b.at.getTime() - a.at.getTime() || (b.id > a.id ? 1 : b.id < a.id ? -1 : 0))
    .slice(0, take)
    .map((a) => ({ ...a, id: a.id.toString() }));
}

/**
 * Everything support needs to answer "my phone stopped working after I changed the password":
 * account state, each line with what the registrar accepts now and every change, the audit trail
 * and the emails sent. Never a password, code, hash or HA1 (the selects below name every field).
 */
export async function customerDetail(database: Database, customerId: string, now: Date) {
  if (!isUuid(customerId)) return null;
  const prisma = database.prisma;
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
    customerAuditEvents(database, { id: customerId, selfcareId: customer.selfcareId }, 200),
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
    audit,
    emails,
  };
}
