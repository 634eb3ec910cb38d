import type { Database } from "../db";
import { isBatchService } from "../schedule";
import { isUuid } from "../validation/ids";
import { configuredRegistrar, observe } from "./registrar";
import { registrationStatus, type RegistrationStatus } from "./status";

export interface LineRegistration {
  number: string;
  changeId: string;
  status: RegistrationStatus;
}

const SELECT = {
  id: true,
  status: true,
  dueAt: true,
  deadline: true,
  appliedAt: true,
  registrarAppliedAt: true,
  line: { select: { number: true, service: true, customerId: true } },
} as const;

type ChangeRow = { id: string; status: "PENDING" | "APPLIED" | "SUPERSEDED" | "FAILED" | "CANCELLED"; dueAt: Date; deadline: Date; appliedAt: Date | null; registrarAppliedAt: Date | null; line: { number: string; service: "IP_PHONE" | "B2BUA" | "B2BUA_OPENGATE" } };

async function statuses(changes: ChangeRow[], now: Date): Promise<LineRegistration[]> {
  const applied = changes.filter((c) => c.status === "APPLIED");
  const facts = await observe(configuredRegistrar(), applied.map((c) => ({ username: c.line.number, registrarAppliedAt: c.registrarAppliedAt })), now);
  return changes.map((c) => {
    const f = facts === null || facts === "unavailable" ? facts : c.registrarAppliedAt ? (facts.get(c.line.number) ?? { reflectedAt: c.registrarAppliedAt, events: [] }) : null;
    return { number: c.line.number, changeId: c.id, status: registrationStatus({ ...c, batch: isBatchService(c.line.service) }, f, now) };
  });
}

/**
 * Per line of the customer, the status of its newest change pending, applied or failed (a cancelled
 * or superseded one is not in effect). Lines never changed are left out.
 */
export async function customerRegistrations(database: Database, customerId: string, now: Date): Promise<LineRegistration[]> {
  const lines = await database.prisma.line.findMany({
    where: { customerId },
    orderBy: { number: "asc" },
    select: { changes: { select: SELECT, orderBy: { requestedAt: "desc" }, take: 1, where: { status: { in: ["PENDING", "APPLIED", "FAILED"] } } } },
  });
  return statuses(lines.flatMap((l) => l.changes) as ChangeRow[], now);
}

/** One change of the customer's own (null for anyone else's or an unknown id). */
export async function changeRegistration(database: Database, customerId: string, changeId: string, now: Date): Promise<LineRegistration | null> {
  if (!isUuid(changeId)) return null;
  const c = await database.prisma.passwordChange.findUnique({ where: { id: changeId }, select: SELECT });
  if (!c || c.line.customerId !== customerId) return null;
  const [s] = await statuses([c as ChangeRow], now);
  return s ?? null;
}
