import "server-only";
import type { Database } from "../db";
import { getTranslations } from "next-intl/server";
import { formatJst, formatJstTime, type Locale } from "../format";
import { changeRegistration, customerRegistrations, type LineRegistration } from "./customer";
import type { StatusView } from "./status";

export type { StatusView };

/** The sentence for a status in the customer's language, times in Japan time. */
export async function statusViews(items: LineRegistration[], locale: Locale): Promise<StatusView[]> {
  const t = await getTranslations({ locale, namespace: "registration" });
  const ts = await getTranslations({ locale, namespace: "status" });
  const time = (d: Date) => formatJst(d, locale);
  // Sentences are joined as each language writes them (Japanese: no space after 。).
  const join = (...parts: string[]) => parts.join(locale === "ja" ? "" : " ");
  return items.map(({ number, changeId, status: s }) => {
    const base = { number, changeId, kind: s.kind, howto: false };
    switch (s.kind) {
      case "pending": {
        const minutes = Math.ceil(s.secondsLeft / 60);
        const left = minutes >= 60 ? t("leftHm", { h: String(Math.floor(minutes / 60)), m: String(minutes % 60) }) : t("leftM", { m: String(minutes) });
        return { ...base, tone: "info", text: t("pending", { time: time(s.at), left }) };
      }
      case "late":
        return { ...base, tone: "info", text: t("late", { time: time(s.at) }) };
      case "not-in-effect":
        return { ...base, tone: "info", text: t("notInEffect", { status: ts(s.status) }) };
      case "reflected":
        return { ...base, tone: s.observed === "unavailable" ? "notice" : "info", text: join(t("reflected", { time: time(s.appliedAt) }), s.observed === "none" ? t("notObserved") : t("unavailable")) };
      case "waiting-device":
        return { ...base, tone: "notice", howto: true, text: join(t("reflected", { time: time(s.appliedAt) }), t("waiting")) };
      case "registered":
        return {
          ...base,
          tone: "success",
          text: join(t("reflected", { time: time(s.appliedAt) }), s.device ? t("registered", { device: s.device, time: formatJstTime(s.at) }) : t("registeredNoDevice", { time: formatJstTime(s.at) })),
        };
      case "old-password":
        return { ...base, tone: "error", howto: true, text: join(t("reflected", { time: time(s.appliedAt) }), t("oldPassword", { count: String(s.failures), since: formatJstTime(s.since) })) };
    }
  });
}

/** The block's content for a customer: every line, or one change of theirs; and when it was checked. */
export async function registrationSnapshot(database: Database, customerId: string, now: Date, locale: Locale, change?: string | null): Promise<{ items: StatusView[]; checked: string }> {
  const items = change ? [await changeRegistration(database, customerId, change, now)].filter((x) => x !== null) : await customerRegistrations(database, customerId, now);
  const t = await getTranslations({ locale, namespace: "registration" });
  return { items: await statusViews(items, locale), checked: t("checked", { time: formatJst(now, locale) }) };
}
