import { getTranslations } from "next-intl/server";
import type { ReactNode } from "react";
import { formatJst } from "@/lib/format";
import { serviceLabel } from "@/lib/lines/labels";
import type { ServiceType } from "@/lib/schedule";
import { pageLocale } from "@/lib/web/locale";
import { ReflectionPromise } from "@/components/ReflectionPromise";

/**
 * What one change is, as the completion and cancel screens list it: number, service, 受付 and
 * 反映予定; `children` adds the screen's own rows after them.
 */
export async function ChangeFacts({ change, children }: { change: { requestedAt: Date; dueAt: Date; deadline: Date; line: { number: string; service: ServiceType } }; children?: ReactNode }) {
  const t = await getTranslations();
  const locale = await pageLocale();
  return (
    <dl className="facts" data-testid="change-facts">
      <dt>{t("complete.number")}</dt>
      <dd>{change.line.number}</dd>
      <dt>{t("complete.service")}</dt>
      <dd>{serviceLabel(change.line.service, locale)}</dd>
      <dt>{t("complete.requestedAt")}</dt>
      <dd>{t("common.jst", { time: formatJst(change.requestedAt, locale) })}</dd>
      <dt>{t("complete.reflectionAt")}</dt>
      <dd data-testid="reflection-time"><ReflectionPromise change={{ service: change.line.service, dueAt: change.dueAt, deadline: change.deadline }} /></dd>
      {children}
    </dl>
  );
}
