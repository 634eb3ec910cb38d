import { DateTime } from "luxon";

/** The service types of an IP phone line (the provider's names are in SERVICE_LABELS_JA). */
export type ServiceType = "IP_PHONE" | "B2BUA" | "B2BUA_OPENGATE";

export const SERVICE_TYPES: readonly ServiceType[] = ["IP_PHONE", "B2BUA", "B2BUA_OPENGATE"];

/** Every reflection time is stated and computed in Japan time, whatever the host's zone. */
export const JAPAN_ZONE = "Asia/Tokyo";

/** IP_PHONE changes are promised "within 15 minutes" (随時 / 15分以内). */
export const IP_PHONE_DEADLINE_MINUTES = 15;

/** One row of the B2BUA reflection table: a change made in [fromHour, toHour) is reflected at `at`. */
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

/** True for the services reflected on the hourly :30 batches. */
export function isBatchService(service: ServiceType): boolean {
  return service === "B2BUA" || service === "B2BUA_OPENGATE";
}

/** The table row a Japan-time hour (0–23) falls in; intervals are half-open. */
export function windowForHour(hour: number): BatchWindow {
  const row = B2BUA_WINDOWS.find((w) => hour >= w.fromHour && hour < w.toHour);
  if (!row) throw new RangeError(`hour out of range: ${hour}`);
  return row;
}

/**
 * When a password change requested at `requestedAt` is reflected into the SIP system.
 * IP_PHONE: due at once, promised within 15 minutes. B2BUA*: due and promised at the table's time.
 * Pure and synchronous; throws RangeError on an invalid Date.
 */
export function computeReflection(service: ServiceType, requestedAt: Date): { dueAt: Date; deadline: Date } {
  if (!(requestedAt instanceof Date) || Number.isNaN(requestedAt.getTime())) {
    throw new RangeError("requestedAt is not a valid Date");
  }
  if (service === "IP_PHONE") {
    return {
      dueAt: new Date(requestedAt.getTime()),
      deadline: new Date(requestedAt.getTime() + IP_PHONE_DEADLINE_MINUTES * 60_000),
    };
  }
  if (!isBatchService(service)) throw new RangeError(`unknown service type: ${String(service)}`);
  const local = DateTime.fromJSDate(requestedAt, { zone: JAPAN_ZONE });
  const { at } = windowForHour(local.hour);
  const reflected = local
    .startOf("day")
    .plus({ days: at.nextDay ? 1 : 0 })
    .set({ hour: at.hour, minute: at.minute, second: 0, millisecond: 0 });
  const dueAt = reflected.toJSDate();
  return { dueAt, deadline: new Date(dueAt.getTime()) };
}
