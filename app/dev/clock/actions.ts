"use server";

import { DateTime } from "luxon";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { isProduction } from "@/lib/env";
import { JAPAN_ZONE } from "@/lib/schedule";
import { encodeSimClock, SIM_CLOCK_COOKIE } from "@/lib/sim-clock";
import { portalCookie } from "@/lib/web/cookie-options";
import { safeReturnPath } from "@/lib/web/request";

/** Sets this browser's simulated Japan time (outside production only). */
export async function setClockAction(formData: FormData): Promise<void> {
  if (isProduction()) redirect("/");
  // The form posts FormData; anything else (a hand-made call) is an invalid entry, not a crash.
  if (!(formData instanceof FormData)) redirect("/dev/clock?invalid=1");
  const date = String(formData.get("date") ?? "");
  const time = String(formData.get("time") ?? "");
  const next = String(formData.get("next") ?? "/dev/clock");
  const at = /^\d{4}-\d{2}-\d{2}$/.test(date) && /^\d{2}:\d{2}(:\d{2})?$/.test(time) ? DateTime.fromISO(`${date}T${time}`, { zone: JAPAN_ZONE }) : null;
  if (!at?.isValid) redirect("/dev/clock?invalid=1");
  (await cookies()).set(SIM_CLOCK_COOKIE, encodeSimClock(at.toJSDate()), portalCookie());
  // Same rule as every return path: "/\\host" is "//host" to a browser.
  redirect(safeReturnPath(next, "/dev/clock"));
}

/** Back to the real (server) time. */
export async function clearClockAction(): Promise<void> {
  (await cookies()).set(SIM_CLOCK_COOKIE, "", portalCookie({ maxAge: 0 }));
  redirect("/dev/clock");
}
