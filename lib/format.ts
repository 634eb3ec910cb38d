import { DateTime } from "luxon";
import { JAPAN_ZONE } from "./schedule";

import type { Locale } from "../i18n/locale";

export type { Locale };

/** A date and time in Japan time, e.g. "2026年11月25日 17:30" / "25 Nov 2026 17:30". */
export function formatJst(date: Date, locale: Locale = "ja"): string {
  // The reflection worker formats the same instant once per email of a batch (100,000 at 17:30):
  // the last result per locale is kept, which saves luxon's work for all but the first.
  const last = lastJst[locale];
  const ms = date.getTime();
  if (last?.ms === ms) return last.text;
  const d = DateTime.fromJSDate(date, { zone: JAPAN_ZONE });
  const text = locale === "ja" ? d.toFormat("yyyy年M月d日 H:mm") : d.setLocale("en-GB").toFormat("d LLL yyyy HH:mm");
  if (locale === "ja" || locale === "en") lastJst[locale] = { ms, text };
  return text;
}
const lastJst: Partial<Record<Locale, { ms: number; text: string }>> = {};

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
