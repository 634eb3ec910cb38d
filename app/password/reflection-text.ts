import { getTranslations } from "next-intl/server";
import { formatJst, formatJstTime } from "@/lib/format";
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
