import type { Database } from "../db";
import { isUuid } from "../validation/ids";
import { computeReflection, isBatchService, type ServiceType } from "../schedule";
import { relativeJstDay } from "../format";
import { reflectionPromise } from "./promise";

/** The customer's own line with that number, or null (another customer's line is "not found" too). */
export async function findOwnLine(database: Database, customerId: string, number: string) {
  const line = await database.prisma.line.findUnique({ where: { number } });
  return line && line.customerId === customerId ? line : null;
}

/** The customer's lines, for the input screen's list. */
export async function listOwnLines(database: Database, customerId: string) {
  return database.prisma.line.findMany({ where: { customerId }, select: { number: true, service: true }, orderBy: { number: "asc" } });
}

/** Every change of the customer's lines, newest first (the history page). */
export async function listOwnChanges(database: Database, customerId: string, take = 100) {
  return database.prisma.passwordChange.findMany({
    where: { line: { customerId } },
    select: { id: true, requestedAt: true, dueAt: true, deadline: true, status: true, appliedAt: true, cancelledAt: true, line: { select: { number: true, service: true } } },
    orderBy: { requestedAt: "desc" },
    take,
  });
}

/** One change of the customer's own (null for anyone else's). */
export async function getOwnChange(database: Database, customerId: string, changeId: string) {
  // A value that is not a UUID names no change (PostgreSQL would refuse it with an error).
  if (!isUuid(changeId)) return null;
  const change = await database.prisma.passwordChange.findUnique({
    where: { id: changeId },
    select: {
      id: true,
      requestedAt: true,
      dueAt: true,
      deadline: true,
      status: true,
      appliedAt: true,
      cancelledAt: true,
      line: { select: { number: true, service: true, customerId: true } },
    },
  });
  return change && change.line.customerId === customerId ? change : null;
}

/** Statuses of a change that was never reflected and can still be withdrawn by the customer. */
export const CANCELLABLE_STATUSES = ["PENDING", "FAILED"] as const;
export const isCancellable = (status: string) => (CANCELLABLE_STATUSES as readonly string[]).includes(status);

/** The customer's changes that wait for reflection (or failed it), one per line at most, by number. */
export async function listOwnPendingChanges(database: Database, customerId: string) {
  return database.prisma.passwordChange.findMany({
    where: { line: { customerId }, status: { in: [...CANCELLABLE_STATUSES] } },
    select: { id: true, requestedAt: true, dueAt: true, deadline: true, status: true, line: { select: { number: true, service: true } } },
    orderBy: [{ line: { number: "asc" } }, { requestedAt: "desc" }],
  });
}

export interface ReflectionPreview {
  service: ServiceType;
  batch: boolean;
  requestedAt: Date;
  dueAt: Date;
  deadline: Date;
  /** The reflection day relative to the request, in Japan time. */
  day: "today" | "tomorrow" | null;
  /** What the form sends back with 更新 (lib/lines/promise.ts). */
  promise: string;
  /** When this preview stops being true. */
  changesAt: Date;
}

/** What the customer is told before submitting: when a change made now would be reflected. */
export function reflectionPreview(service: ServiceType, now: Date): ReflectionPreview {
  const { dueAt, deadline } = computeReflection(service, now);
  const { key, changesAt } = reflectionPromise(service, now);
  return { service, batch: isBatchService(service), requestedAt: now, dueAt, deadline, day: relativeJstDay(deadline, now), promise: key, changesAt };
}
