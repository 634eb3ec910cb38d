import { computeReflection, isBatchService, type ServiceType } from "../schedule";

/**
 * What the input screen promises before 更新: for a batch line the reflection time itself, for an
 * IP_PHONE line the minute its 15-minute deadline falls in (the screen shows "…14:15まで").
 * `key` is what the form sends back with the change, and the server accepts the change only when
 * a request made now would keep that promise (lib/lines/change-password.ts). `changesAt` is the
 * first instant at which the promise would read differently, so the screen can follow the clock.
 */
export interface ReflectionPromise {
  key: string;
  changesAt: Date;
}

const MINUTE = 60_000;

function keyAt(service: ServiceType, at: Date): string {
  const { dueAt, deadline } = computeReflection(service, at);
  if (isBatchService(service)) return dueAt.toISOString();
  // Japan's offset is whole hours, so the minute a deadline falls in is the same in UTC.
  return new Date(Math.floor(deadline.getTime() / MINUTE) * MINUTE).toISOString();
}

/** The promise a change requested at `now` would make, and when that promise next changes. Pure. */
export function reflectionPromise(service: ServiceType, now: Date): ReflectionPromise {
  const key = keyAt(service, now);
  if (!isBatchService(service)) return { key, changesAt: new Date(Math.floor(now.getTime() / MINUTE) * MINUTE + MINUTE) };
  // The reflection time never decreases as the request moves later, and a request made after it
  // has a later one: bisect (to the millisecond) between now and just after the reflection time.
  let lo = now.getTime();
  let hi = computeReflection(service, now).dueAt.getTime() + 1;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (keyAt(service, new Date(mid)) === key) lo = mid;
    else hi = mid;
  }
  return { key, changesAt: new Date(hi) };
}
