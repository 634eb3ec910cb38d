import { getTranslations } from "next-intl/server";
import type { ServiceType } from "@/lib/schedule";
import { pageLocale } from "@/lib/web/locale";
import { reflectionWhen } from "@/lib/web/reflection-text";

/** When a change is reflected, as every customer screen prints it (lib/schedule's promiseOf decides). */
export async function ReflectionPromise({ change }: { change: { service: ServiceType; dueAt: Date; deadline: Date } }) {
  const t = await getTranslations();
  const locale = await pageLocale();
  return <>{reflectionWhen(t, locale, change)}</>;
}
