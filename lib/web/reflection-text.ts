import "server-only";
import { getTranslations } from "next-intl/server";
import { formatJst, formatJstTime, type Locale } from "@/lib/format";
import { promiseOf, type ServiceType } from "@/lib/schedule";
import type { ReflectionPreview } from "@/lib/lines/queries";
import { pageLocale } from "@/lib/web/locale";

/** The sentence that tells, before submitting, when a change would be reflected (Japan time). */
export async function previewSentence(p: ReflectionPreview): Promise<string> {
  const t = await getTranslations("password");
  const promised = promiseOf(p);
  if (promised.kind === "within") return t("previewWithin", { time: formatJstTime(promised.by) });
  if (p.day === "today") return t("previewBatchToday", { time: formatJstTime(promised.at) });
  if (p.day === "tomorrow") return t("previewBatchTomorrow", { time: formatJstTime(promised.at) });
  return t("previewBatchOther", { date: formatJst(promised.at, await pageLocale()) });
}

type ReflectionKey = "complete.reflectionBatch" | "complete.reflectionWithin";

/**
 * When an accepted change is (or would be) reflected, as the completion, history, cancel and input
 * screens print it: the batch time, or "within 15 minutes (by …)". `t` is the root translator of the
 * page (getTranslations()). Screens render it through <ReflectionPromise>; this string form is for
 * messages that embed it.
 */
export function reflectionWhen(t: (key: ReflectionKey, values: { date: string }) => string, locale: Locale, c: { service: ServiceType; dueAt: Date; deadline: Date }): string {
  const promised = promiseOf(c);
  return promised.kind === "batch" ? t("complete.reflectionBatch", { date: formatJst(promised.at, locale) }) : t("complete.reflectionWithin", { date: formatJst(promised.by, locale) });
}
