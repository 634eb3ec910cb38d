import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { pageLocale } from "@/lib/web/locale";
import { Breadcrumbs } from "@/components/Breadcrumbs";
import { formatJst } from "@/lib/format";
import { serviceLabel } from "@/lib/lines/labels";
import { isCancellable, listOwnChanges } from "@/lib/lines/queries";
import { requireCustomer } from "@/lib/web/session";
import { ReflectionPromise } from "@/components/ReflectionPromise";
import { RegistrationStatusBlock } from "@/components/RegistrationStatusBlock";
import { requestContext } from "@/lib/web/request";
import { database } from "@/lib/db";

export async function generateMetadata() {
  return { title: (await getTranslations("history"))("title") };
}

/** Every change of the customer's lines with its reflection time and status; a waiting one can be cancelled. */
export default async function HistoryPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { principal } = await requireCustomer();
  const cancelledId = (await searchParams).cancelled;
  const t = await getTranslations();
  const { now } = await requestContext();
  const handle = database();
  const changes = await listOwnChanges(handle, principal.id);
  const loc = await pageLocale();
  const cancelled = typeof cancelledId === "string" ? changes.find((c) => c.id === cancelledId && c.status === "CANCELLED") : undefined;
  return (
    <>
      <main id="main">
        <Breadcrumbs trail={["menu", "history"]} />
        <h1>{t("history.title")}</h1>
        <section className="panel">
          {cancelled ? (
            <p className="success" role="status" data-testid="cancel-done">
              {t("cancel.done", { number: cancelled.line.number, requestedAt: formatJst(cancelled.requestedAt, loc) })}
            </p>
          ) : null}
          {changes.length > 0 ? <RegistrationStatusBlock database={handle} customerId={principal.id} now={now} /> : null}
          {changes.length === 0 ? (
            <p>{t("history.empty")}</p>
          ) : (
            // A table on a wide screen; below 600 px each row is a card that reads top to bottom
            // (globals.css, "table.cards"), every cell labelled by its column: same data, same order.
            <table className="schedule history cards">
              <caption>{t("history.caption")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("history.number")}</th>
                  <th scope="col">{t("history.service")}</th>
                  <th scope="col">{t("history.requestedAt")}</th>
                  <th scope="col">{t("history.reflection")}</th>
                  <th scope="col">{t("history.status")}</th>
                  <th scope="col">{t("history.appliedAt")}</th>
                </tr>
              </thead>
              <tbody>
                {changes.map((c) => (
                  <tr key={c.id} data-testid="history-row">
                    <th scope="row" data-label={t("history.number")} className="card-title">
                      {c.line.number}
                    </th>
                    <td data-label={t("history.service")}>{serviceLabel(c.line.service, loc)}</td>
                    <td data-label={t("history.requestedAt")}>{formatJst(c.requestedAt, loc)}</td>
                    <td data-label={t("history.reflection")}>
                      <ReflectionPromise change={{ service: c.line.service, dueAt: c.dueAt, deadline: c.deadline }} />
                    </td>
                    <td data-label={t("history.status")}>
                      <span className={`state state-${c.status.toLowerCase()}`}>{t(`status.${c.status}`)}</span>
                      {isCancellable(c.status) ? (
                        <>
                          {" "}
                          <Link href={`/password/cancel?id=${c.id}`} data-testid="history-cancel" className="target">
                            {t("password.cancel")}
                          </Link>
                        </>
                      ) : null}
                    </td>
                    <td data-label={t("history.appliedAt")}>
                      {c.appliedAt ? formatJst(c.appliedAt, loc) : c.cancelledAt ? t("complete.cancelled", { time: formatJst(c.cancelledAt, loc) }) : "—"}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <div className="actions">
            <Link href="/menu" className="btn btn-primary">
              {t("history.menu")}
            </Link>
          </div>
        </section>
      </main>
    </>
  );
}
