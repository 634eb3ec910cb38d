import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { pageLocale } from "@/lib/web/locale";
import { notFound } from "next/navigation";
import { Breadcrumbs } from "@/components/Breadcrumbs";
import { getOwnChange, isCancellable } from "@/lib/lines/queries";
import { env } from "@/lib/env";
import { promiseOf } from "@/lib/schedule";
import { formatJst, formatJstTime } from "@/lib/format";
import { isUuid } from "@/lib/validation/ids";
import { requireCustomer } from "@/lib/web/session";
import { ChangeFacts } from "../change-facts";
import { RegistrationStatusBlock } from "@/components/RegistrationStatusBlock";
import { requestContext } from "@/lib/web/request";
import { database } from "@/lib/db";

export async function generateMetadata() {
  return { title: (await getTranslations("complete"))("title") };
}

/**
 * Completion: the manual's message, the reflection time (or deadline) and the outage window, when
 * and how to change the adapter (the settings it needs, never the password), and — while the
 * change waits — a way to cancel it.
 */
export default async function CompletePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { principal } = await requireCustomer();
  const id = (await searchParams).id;
  if (!isUuid(id)) notFound();
  const handle = database();
  const change = await getOwnChange(handle, principal.id, id);
  if (!change) notFound();
  const t = await getTranslations();
  const { now } = await requestContext();
  const locale = await pageLocale();
  const promised = promiseOf({ service: change.line.service, dueAt: change.dueAt, deadline: change.deadline });
  const from = formatJst(change.requestedAt, locale);
  return (
    <>
      <main id="main">
        <Breadcrumbs trail={["menu", "password", "complete"]} />
        <h1>{t("password.title")}</h1>
        <section className="panel">
          {change.status === "PENDING" || change.status === "APPLIED" ? (
            <>
              <p className="success" role="status">
                {t("complete.done")}
              </p>
              <p>
                <strong>{t("complete.device")}</strong>
              </p>
              <p data-testid="device-when">{promised.kind === "batch" ? t("complete.deviceBatch", { time: formatJstTime(promised.at) }) : t("complete.deviceNow")}</p>
            </>
          ) : (
            // A change no longer in effect never shows "完了" or an instruction to touch the adapter.
            <p className="info" role="status" data-testid="change-not-in-effect">
              {change.status === "CANCELLED" && change.cancelledAt
                ? t("complete.cancelled", { time: formatJst(change.cancelledAt, locale) })
                : change.status === "SUPERSEDED"
                  ? t("complete.superseded")
                  : t("complete.failed")}
            </p>
          )}
          <ChangeFacts change={change}>
            <dt>{t("complete.outage")}</dt>
            <dd data-testid="outage-window">
              {promised.kind === "batch"
                ? t("complete.outageBatch", { from, to: formatJst(promised.at, locale) })
                : t("complete.outageWithin", { from, to: formatJst(promised.by, locale) })}
            </dd>
            <dt>{t("complete.status")}</dt>
            <dd data-testid="change-status">{t(`status.${change.status}`)}</dd>
          </ChangeFacts>
          <RegistrationStatusBlock database={handle} customerId={principal.id} now={now} change={change.id} />
          <h2>{t("complete.settingsTitle")}</h2>
          <dl className="facts" data-testid="adapter-settings">
            <dt>{t("complete.settingsUser")}</dt>
            <dd>{change.line.number}</dd>
            <dt>{t("complete.settingsDomain")}</dt>
            <dd>{env().SIP_REALM}</dd>
            <dt>{t("complete.settingsPassword")}</dt>
            <dd>{t("complete.settingsPasswordValue")}</dd>
          </dl>
          <p>
            <Link href="/guide/adapter">{t("complete.howto")}</Link>
          </p>
          {isCancellable(change.status) ? (
            <p>
              <Link href={`/password/cancel?id=${change.id}`} className="btn btn-secondary" data-testid="cancel-link">
                {t("complete.cancel")}
              </Link>
            </p>
          ) : null}
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
