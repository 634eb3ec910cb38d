import { computeReflection, isBatchService, type ServiceType } from "../schedule";

/**
 * What the input screen promises before 更新. For a batch line: the reflection time itself (17:30),
 * which jumps at each window's end (17:00 → 18:30). For an IP_PHONE line: "within 15 minutes of the
 * request" (SPEC: 随時, 15分以内), the same promise whenever it is made; the clock time the screen
 * prints beside it ("…14:15まで") is that promise rendered, and is refreshed every minute.
 * `key` is what the form sends back with the change, and the server accepts the change only when a
 * request made now would make the same promise (lib/lines/change-password.ts). `changesAt` is the
 * first instant at which the screen's text would read differently, so it can follow the clock.
 */
export interface ReflectionPromise {
  key: string;
  changesAt: Date;
}

const MINUTE = 60_000;

/** The IP_PHONE promise: relative to the request, so it never goes stale. */
export const WITHIN_DEADLINE_PROMISE = "within-15-minutes";

function keyAt(service: ServiceType, at: Date): string {
  return isBatchService(service) ? computeReflection(service, at).dueAt.toISOString() : WITHIN_DEADLINE_PROMISE;
}

/** The promise a change requested at `now` would make, and when that promise next changes. Pure. */
export function reflectionPromise(service: ServiceType, now: Date): ReflectionPromise {
  const key = keyAt(service, now);
  // The deadline the screen prints (now + 15 min, to the minute) reads differently each minute.
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
