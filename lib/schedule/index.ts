import { DateTime } from "luxon";
import { ServiceType as ServiceTypes } from "@/generated/prisma/enums";

/** The service types of an IP phone line: the database's own enum (prisma/schema.prisma). */
export type ServiceType = (typeof ServiceTypes)[keyof typeof ServiceTypes];

/** Every reflection time is stated and computed in Japan time, whatever the host's zone. */
export const JAPAN_ZONE = "Asia/Tokyo";

/** IP_PHONE changes are promised "within 15 minutes" (随時 / 15分以内). */
export const IP_PHONE_DEADLINE_MINUTES = 15;

/** One row of a batch reflection table: a change made in [fromHour, toHour) is reflected at `at`. */
export interface BatchWindow {
  fromHour: number;
  toHour: number;
  at: { hour: number; minute: number; nextDay: boolean };
}

/**
 * The B2BUA / B2BUA OpenGate table from the provider's manual (SPEC.md). The UI renders this very
 * array, so the published table and the computation cannot drift apart.
 */
export const B2BUA_WINDOWS: readonly BatchWindow[] = [
  { fromHour: 0, toHour: 1, at: { hour: 1, minute: 30, nextDay: false } },
  { fromHour: 1, toHour: 2, at: { hour: 2, minute: 30, nextDay: false } },
  { fromHour: 2, toHour: 17, at: { hour: 17, minute: 30, nextDay: false } },
  { fromHour: 17, toHour: 18, at: { hour: 18, minute: 30, nextDay: false } },
  { fromHour: 18, toHour: 19, at: { hour: 19, minute: 30, nextDay: false } },
  { fromHour: 19, toHour: 20, at: { hour: 20, minute: 30, nextDay: false } },
  { fromHour: 20, toHour: 21, at: { hour: 21, minute: 30, nextDay: false } },
  { fromHour: 21, toHour: 22, at: { hour: 22, minute: 30, nextDay: false } },
  { fromHour: 22, toHour: 23, at: { hour: 23, minute: 30, nextDay: false } },
  { fromHour: 23, toHour: 24, at: { hour: 0, minute: 30, nextDay: true } },
];

/**
 * How one service is reflected and promised. `within`: due at once, promised within `minutes` of
 * the request. `batch`: due and promised at the time its `windows` give. `caption` is the key (under
 * `home.`) of the top page's table caption; services sharing a caption share one printed table.
 */
export type ServiceSchedule =
  | { kind: "within"; minutes: number; caption: "ipPhoneCaption" }
  | { kind: "batch"; windows: readonly BatchWindow[]; caption: "b2buaCaption" };

/**
 * The one per-service table: the pages, emails, metrics and test fixtures loop over it. Typed from
 * the generated Prisma enum, so a service added to the schema fails the type check until it has a row.
 */
export const SCHEDULES: { readonly [S in ServiceType]: ServiceSchedule } = {
  IP_PHONE: { kind: "within", minutes: IP_PHONE_DEADLINE_MINUTES, caption: "ipPhoneCaption" },
  B2BUA: { kind: "batch", windows: B2BUA_WINDOWS, caption: "b2buaCaption" },
  B2BUA_OPENGATE: { kind: "batch", windows: B2BUA_WINDOWS, caption: "b2buaCaption" },
};

/** Every service type, in the table's order (for z.enum, metrics labels, test loops). */
export const SERVICE_TYPES = Object.keys(SCHEDULES) as [ServiceType, ...ServiceType[]];

function scheduleOf(service: ServiceType): ServiceSchedule {
  const s = (SCHEDULES as Record<string, ServiceSchedule | undefined>)[service];
  if (!s) throw new RangeError(`unknown service type: ${String(service)}`);
  return s;
}

/** True for the services reflected on batches (the B2BUA lines' hourly :30). */
export function isBatchService(service: ServiceType): boolean {
  return scheduleOf(service).kind === "batch";
}

/** The row of a batch table a Japan-time hour (0–23) falls in; intervals are half-open. */
export function windowForHour(hour: number, windows: readonly BatchWindow[] = B2BUA_WINDOWS): BatchWindow {
  const row = windows.find((w) => hour >= w.fromHour && hour < w.toHour);
  if (!row) throw new RangeError(`hour out of range: ${hour}`);
  return row;
}

/**
 * When a password change requested at `requestedAt` is reflected into the SIP system.
 * `within` services: due at once, promised within their minutes. Batch services: due and promised at
 * the table's time. Pure and synchronous; throws RangeError on an invalid Date.
 */
export function computeReflection(service: ServiceType, requestedAt: Date): { dueAt: Date; deadline: Date } {
  if (!(requestedAt instanceof Date) || Number.isNaN(requestedAt.getTime())) {
    throw new RangeError("requestedAt is not a valid Date");
  }
  const s = scheduleOf(service);
  if (s.kind === "within") {
    return { dueAt: new Date(requestedAt.getTime()), deadline: new Date(requestedAt.getTime() + s.minutes * 60_000) };
  }
  const local = DateTime.fromJSDate(requestedAt, { zone: JAPAN_ZONE });
  const { at } = windowForHour(local.hour, s.windows);
  const reflected = local
    .startOf("day")
    .plus({ days: at.nextDay ? 1 : 0 })
    .set({ hour: at.hour, minute: at.minute, second: 0, millisecond: 0 });
  const dueAt = reflected.toJSDate();
  return { dueAt, deadline: new Date(dueAt.getTime()) };
}

/**
 * What a change promises the customer, decided once for every screen, email and staff view:
 * a batch line is reflected `at` its batch time; any other line `by` its deadline.
 */
export type Promised = { kind: "batch"; at: Date } | { kind: "within"; by: Date };

export function promiseOf(change: { service: ServiceType; dueAt: Date; deadline: Date }): Promised {
  return isBatchService(change.service) ? { kind: "batch", at: change.dueAt } : { kind: "within", by: change.deadline };
}
