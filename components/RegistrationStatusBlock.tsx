import { getTranslations } from "next-intl/server";
import type { Database } from "@/lib/db";
import { env } from "@/lib/env";
import { registrationSnapshot } from "@/lib/registration/text";
import { pageLocale } from "@/lib/web/locale";
import { RegistrationStatus } from "./RegistrationStatus";

/** The status block of the menu, history (every line) and completion (one change) screens. */
export async function RegistrationStatusBlock({ database, customerId, now, change }: { database: Database; customerId: string; now: Date; change?: string }) {
  const locale = await pageLocale();
  const t = await getTranslations({ locale, namespace: "registration" });
  const initial = await registrationSnapshot(database, customerId, now, locale, change);
  if (!change && initial.items.length === 0) return null;
  const labels = { title: t("title"), howto: t("howto"), none: t("none"), checkFailed: t("checkFailed"), line: t("line", { number: "{number}" }) };
  return <RegistrationStatus initial={initial} labels={labels} change={change} pollSeconds={env().REGISTRATION_STATUS_POLL_SECONDS} showNumber={!change} />;
}
