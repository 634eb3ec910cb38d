import { getTranslations } from "next-intl/server";
import { formatJst, formatJstTime, type Locale } from "@/lib/format";
import { isBatchService, type ServiceType } from "@/lib/schedule";
import type { ReflectionPreview } from "@/lib/lines/queries";
import { pageLocale } from "@/lib/web/locale";

/** The sentence that tells, before submitting, when a change would be reflected (Japan time). */
export async function previewSentence(p: ReflectionPreview): Promise<string> {
  const t = await getTranslations("password");
  if (!p.batch) return t("previewWithin", { time: formatJstTime(p.deadline) });
  if (p.day === "today") return t("previewBatchToday", { time: formatJstTime(p.dueAt) });
  if (p.day === "tomorrow") return t("previewBatchTomorrow", { time: formatJstTime(p.dueAt) });
  return t("previewBatchOther", { date: formatJst(p.dueAt, await pageLocale()) });
}

/**
 * When an accepted change is (or would be) reflected, as the completion, history, cancel and input
 * screens print it: the batch time, or "within 15 minutes (by …)" for IP_PHONE. `t` is the root
 * translator of the page (getTranslations()).
 */
type ReflectionKey = "complete.reflectionBatch" | "complete.reflectionWithin";

export function reflectionWhen(t: (key: ReflectionKey, values: { date: string }) => string, locale: Locale, c: { service: ServiceType; dueAt: Date; deadline: Date }): string {
  return isBatchService(c.service) ? t("complete.reflectionBatch", { date: formatJst(c.dueAt, locale) }) : t("complete.reflectionWithin", { date: formatJst(c.deadline, locale) });
}
