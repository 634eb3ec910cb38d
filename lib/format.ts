import { DateTime } from "luxon";
import { JAPAN_ZONE } from "./schedule";

export type Locale = "ja" | "en";

/** A date and time in Japan time, e.g. "2026年11月25日 17:30" / "25 Nov 2026 17:30". */
export function formatJst(date: Date, locale: Locale = "ja"): string {
  const d = DateTime.fromJSDate(date, { zone: JAPAN_ZONE });
  return locale === "ja" ? d.toFormat("yyyy年M月d日 H:mm") : d.setLocale("en-GB").toFormat("d LLL yyyy HH:mm");
}

/** Only the time of day in Japan time, e.g. "17:30". */
export function formatJstTime(date: Date): string {
  return DateTime.fromJSDate(date, { zone: JAPAN_ZONE }).toFormat("H:mm");
}

/** "today", "tomorrow" or null (another day), comparing calendar days in Japan time. */
export function relativeJstDay(date: Date, now: Date): "today" | "tomorrow" | null {
  const d = DateTime.fromJSDate(date, { zone: JAPAN_ZONE }).startOf("day");
  const n = DateTime.fromJSDate(now, { zone: JAPAN_ZONE }).startOf("day");
  const days = Math.round(d.diff(n, "days").days);
  return days === 0 ? "today" : days === 1 ? "tomorrow" : null;
}
