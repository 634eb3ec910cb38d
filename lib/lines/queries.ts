import { db } from "../db";
import { isUuid } from "../validation/ids";
import { computeReflection, isBatchService, type ServiceType } from "../schedule";
import { relativeJstDay } from "../format";

/** The customer's own line with that number, or null (another customer's line is "not found" too). */
export async function findOwnLine(customerId: string, number: string) {
  const line = await db().line.findUnique({ where: { number } });
  return line && line.customerId === customerId ? line : null;
}

/** The customer's lines, for the input screen's list. */
export async function listOwnLines(customerId: string) {
  return db().line.findMany({ where: { customerId }, select: { number: true, service: true }, orderBy: { number: "asc" } });
}

/** Every change of the customer's lines, newest first (the history page). */
export async function listOwnChanges(customerId: string, take = 100) {
  return db().passwordChange.findMany({
    where: { line: { customerId } },
    select: { id: true, requestedAt: true, dueAt: true, deadline: true, status: true, appliedAt: true, line: { select: { number: true, service: true } } },
    orderBy: { requestedAt: "desc" },
    take,
  });
}

/** One change of the customer's own (null for anyone else's). */
export async function getOwnChange(customerId: string, changeId: string) {
  // A value that is not a UUID names no change (PostgreSQL would refuse it with an error).
  if (!isUuid(changeId)) return null;
  const change = await db().passwordChange.findUnique({
    where: { id: changeId },
    select: { id: true, requestedAt: true, dueAt: true, deadline: true, status: true, appliedAt: true, line: { select: { number: true, service: true, customerId: true } } },
  });
  return change && change.line.customerId === customerId ? change : null;
}

export interface ReflectionPreview {
  service: ServiceType;
  batch: boolean;
  requestedAt: Date;
  dueAt: Date;
  deadline: Date;
  /** The reflection day relative to the request, in Japan time. */
  day: "today" | "tomorrow" | null;
}

/** What the customer is told before submitting: when a change made now would be reflected. */
export function reflectionPreview(service: ServiceType, now: Date): ReflectionPreview {
  const { dueAt, deadline } = computeReflection(service, now);
  return { service, batch: isBatchService(service), requestedAt: now, dueAt, deadline, day: relativeJstDay(deadline, now) };
}
