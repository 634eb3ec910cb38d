import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { pageLocale } from "@/lib/web/locale";
import { notFound } from "next/navigation";
import { Breadcrumbs } from "@/components/Breadcrumbs";
import { SignedInHeader } from "@/components/SignedInHeader";
import { formatJst } from "@/lib/format";
import { serviceLabel } from "@/lib/lines/labels";
import { getOwnChange } from "@/lib/lines/queries";
import { isBatchService } from "@/lib/schedule";
import { requireCustomer } from "@/lib/web/session";
import { logoutAction } from "../../login/actions";

export async function generateMetadata() {
  return { title: (await getTranslations("complete"))("title") };
}

/** Completion: the manual's message, the reflection time (or deadline) and the outage window. */
export default async function CompletePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { principal } = await requireCustomer();
  const id = (await searchParams).id;
  if (typeof id !== "string" || !/^[0-9a-f-]{36}$/.test(id)) notFound();
  const change = await getOwnChange(principal.id, id);
  if (!change) notFound();
  const t = await getTranslations();
  const locale = await pageLocale();
  const batch = isBatchService(change.line.service);
  const from = formatJst(change.requestedAt, locale);
  return (
    <>
      <SignedInHeader who={principal.loginId} logout={logoutAction} />
      <main id="main">
        <Breadcrumbs trail={["menu", "password", "complete"]} />
        <h1>{t("password.title")}</h1>
        <section className="panel">
          <p className="success" role="status">
            {t("complete.done")}
          </p>
          <p>
            <strong>{t("complete.device")}</strong>
          </p>
          <dl className="facts" data-testid="change-facts">
            <dt>{t("complete.number")}</dt>
            <dd>{change.line.number}</dd>
            <dt>{t("complete.service")}</dt>
            <dd>{serviceLabel(change.line.service, locale)}</dd>
            <dt>{t("complete.requestedAt")}</dt>
            <dd>{from}</dd>
            <dt>{t("complete.reflectionAt")}</dt>
            <dd data-testid="reflection-time">
              {batch ? t("complete.reflectionBatch", { date: formatJst(change.dueAt, locale) }) : t("complete.reflectionWithin", { date: formatJst(change.deadline, locale) })}
            </dd>
            <dt>{t("complete.outage")}</dt>
            <dd data-testid="outage-window">
              {batch
                ? t("complete.outageBatch", { from, to: formatJst(change.dueAt, locale) })
                : t("complete.outageWithin", { from, to: formatJst(change.deadline, locale) })}
            </dd>
            <dt>{t("complete.status")}</dt>
            <dd>{t(`status.${change.status}`)}</dd>
          </dl>
          <div className="actions">
            <Link href="/menu" className="btn btn-primary">
              {t("complete.menu")}
            </Link>
            <Link href="/guide" className="btn btn-secondary">
              {t("complete.back")}
            </Link>
          </div>
        </section>
      </main>
    </>
  );
}
