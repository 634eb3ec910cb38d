import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { pageLocale } from "@/lib/web/locale";
import { notFound } from "next/navigation";
import { ClientMessages } from "@/components/ClientMessages";
import { StaffActionForm } from "@/components/StaffActionForm";
import { textOf } from "@/i18n/runtime-key";
import { formatJst, formatJstTime } from "@/lib/format";
import { serviceLabel } from "@/lib/lines/labels";
import { customerDetail, type RegistrarState } from "@/lib/support/lookup";
import { requestContext } from "@/lib/web/request";
import { isUuid } from "@/lib/validation/ids";
import { requireStaff } from "@/lib/web/session";
import { dropBindingsAction, retryAction, unblockLineAction, unlockAction } from "./actions";
import { LineTimeline } from "@/components/support/LineTimeline";
import { customerRegistrations } from "@/lib/registration/customer";
import { statusViews } from "@/lib/registration/text";
import { lineTimeline } from "@/lib/support/timeline";
import { database } from "@/lib/db";

export async function generateMetadata() {
  return { title: (await getTranslations("staff"))("customer") };
}


/** One customer, as support sees them: account, lines and what the registrar accepts, changes, audit, emails. */
export default async function StaffCustomerPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireStaff();
  const { id } = await params;
  const query = await searchParams;
  if (!isUuid(id)) notFound();
  const { now } = await requestContext();
  const handle = database();
  const detail = await customerDetail(handle, id, now);
  if (!detail) notFound();
  const t = await getTranslations();
  const locale = await pageLocale();
  const fmt = (d: Date | null | undefined) => (d ? formatJst(d, locale) : "—");
  const { customer, lines, audit, emails } = detail;
  // Per line: the customer's status sentence and the timeline's page (the line named by ?line= at ?before=).
  const statuses = await statusViews(await customerRegistrations(handle, customer.id, now), locale);
  const before = typeof query.before === "string" && !Number.isNaN(Date.parse(query.before)) ? new Date(query.before) : null;
  const timelines = await Promise.all(
    lines.map((l) => lineTimeline(handle, { customerId: customer.id, lineNumber: l.number, now, before: query.line === l.number ? before : null })),
  );

  const stateText = (s: RegistrarState) => {
    switch (s.kind) {
      case "initial":
        return t("staff.stateInitial");
      case "pending":
        return s.batch ? t("staff.statePending", { time: fmt(s.dueAt) }) : t("staff.statePendingWithin", { time: formatJstTime(s.deadline) });
      case "applied":
        return t("staff.stateApplied", { time: fmt(s.appliedAt) });
      case "failed":
        return t("staff.stateFailed", { attempts: String(s.attempts) });
    }
  };

  return (
    <>
      <main id="main">
        <p>
          <Link href="/staff">{t("staff.back")}</Link>
        </p>
        <h1>
          {t("staff.customer")}: {customer.selfcareId}
        </h1>
        <p className="small">{t("staff.timesJst")}</p>
        <section className="panel" aria-labelledby="account">
          <h2 id="account">{t("staff.account")}</h2>
          <dl className="facts">
            <dt>{t("staff.selfcareId")}</dt>
            <dd>{customer.selfcareId}</dd>
            <dt>{t("staff.email")}</dt>
            <dd>{customer.email}</dd>
            <dt>{t("staff.account")}</dt>
            <dd data-testid="account-state">
              {customer.locked ? t("staff.locked", { until: fmt(customer.lockedUntil) }) : t("staff.notLocked")}
              {t("common.sep")}
              {t("staff.failedLogins", { count: String(customer.failedLoginCount) })}
              {t("common.sep")}
              {t("staff.openChallenges", { count: String(customer.openChallenges) })}
            </dd>
          </dl>
          <ClientMessages>
            <StaffActionForm id="unlock" title={t("staff.unlock")} lead={t("staff.unlockLead")} targetId={customer.id} action={unlockAction} />
          </ClientMessages>
        </section>

        <section className="panel" aria-labelledby="lines">
          <h2 id="lines">{t("staff.lines")}</h2>
          {lines.map((l) => (
            <article key={l.id} className="line-card" data-testid="staff-line" data-number={l.number}>
              <h3>
                {t("staff.lineTitle", { number: l.number, service: serviceLabel(l.service, locale) })}
              </h3>
              <p>
                {t("staff.registrarNow")}: <span className={`state state-${l.registrar.kind}`} data-testid="registrar-state">{stateText(l.registrar)}</span>
              </p>
              {l.registrarRow?.lastChangeId ? <p className="small">{t("staff.registrarRow", { change: l.registrarRow.lastChangeId.slice(0, 8), time: fmt(l.registrarRow.updatedAt) })}</p> : null}
              {l.blockedUntil && l.blockedUntil > now ? <p className="state state-failed">{t("staff.lineBlocked", { until: fmt(l.blockedUntil) })}</p> : null}
              <LineTimeline customerId={customer.id} number={l.number} status={statuses.find((s) => s.number === l.number) ?? null} page={timelines[lines.indexOf(l)]!} locale={locale} paged={query.line === l.number && before !== null} />
              <ClientMessages>
                <div className="actions">
                  <StaffActionForm id={`drop-${l.id}`} title={t("staffReg.dropBindings")} lead={t("staffReg.dropBindingsLead")} targetId={l.id} action={dropBindingsAction} />
                  {l.blockedUntil && l.blockedUntil > now ? (
                    <StaffActionForm id={`unblock-${l.id}`} title={t("staffReg.unblock")} lead={t("staffReg.unblockLead")} targetId={l.id} action={unblockLineAction} />
                  ) : null}
                </div>
              </ClientMessages>
              <h4>{t("staff.changes")}</h4>
              {l.changes.length === 0 ? (
                <p>{t("staff.noChanges")}</p>
              ) : (
                <div className="table-scroll">
                  <table className="schedule compact">
                    <thead>
                      <tr>
                        <th scope="col">{t("staff.requestedAt")}</th>
                        <th scope="col">{t("staff.dueAt")}</th>
                        <th scope="col">{t("staff.deadline")}</th>
                        <th scope="col">{t("staff.appliedAt")}</th>
                        <th scope="col">{t("staff.status")}</th>
                        <th scope="col">{t("staff.attempts")}</th>
                        <th scope="col">{t("staff.lastError")}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {l.changes.map((c) => (
                        <tr key={c.id} data-testid="staff-change">
                          <td>{fmt(c.requestedAt)}</td>
                          <td>{fmt(c.dueAt)}</td>
                          <td>{fmt(c.deadline)}</td>
                          <td>{fmt(c.appliedAt)}</td>
                          <td>
                            {t(`status.${c.status}`)}
                            {c.cancelledAt ? ` (${fmt(c.cancelledAt)})` : null}
                          </td>
                          <td>{c.attempts}</td>
                          <td>
                            {c.lastError ?? "—"}
                            {c.status === "FAILED" ? (
                              <ClientMessages>
                                <StaffActionForm id={`retry-${c.id}`} title={t("staff.retry")} lead={t("staff.retryLead")} targetId={c.id} action={retryAction} />
                              </ClientMessages>
                            ) : null}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </article>
          ))}
        </section>

        <section className="panel" aria-labelledby="audit">
          <h2 id="audit">{t("staff.audit")}</h2>
          <details data-testid="raw-audit">
          <summary>{t("timeline.raw")}</summary>
          <div className="table-scroll">
            <table className="schedule compact">
              <thead>
                <tr>
                  <th scope="col">{t("staff.auditAt")}</th>
                  <th scope="col">{t("staff.auditType")}</th>
                  <th scope="col">{t("staff.auditLine")}</th>
                  <th scope="col">{t("staff.auditIp")}</th>
                  <th scope="col">{t("staff.auditAgent")}</th>
                  <th scope="col">{t("staff.auditDetails")}</th>
                </tr>
              </thead>
              <tbody>
                {audit.map((a) => (
                  <tr key={a.id} data-testid="audit-row">
                    <td>{fmt(a.at)}</td>
                    <td>{textOf(t, `audit.${a.type}`, { fallback: a.type })}</td>
                    <td>{a.lineNumber ?? "—"}</td>
                    <td>{a.ip ?? "—"}</td>
                    <td className="small">{a.userAgent?.slice(0, 60) ?? "—"}</td>
                    <td className="small">{a.details ? JSON.stringify(a.details) : "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          </details>
        </section>

        <section className="panel" aria-labelledby="emails">
          <h2 id="emails">{t("staff.emails")}</h2>
          <div className="table-scroll">
            <table className="schedule compact">
              <thead>
                <tr>
                  <th scope="col">{t("staff.emailCreated")}</th>
                  <th scope="col">{t("staff.emailKind")}</th>
                  <th scope="col">{t("staff.emailSubject")}</th>
                  <th scope="col">{t("staff.emailStatus")}</th>
                  <th scope="col">{t("staff.emailSent")}</th>
                </tr>
              </thead>
              <tbody>
                {emails.map((m) => (
                  <tr key={m.id} data-testid="email-row">
                    <td>{fmt(m.createdAt)}</td>
                    <td>{textOf(t, `mailKind.${m.kind}`, { fallback: m.kind })}</td>
                    <td>{m.subject}</td>
                    <td>{textOf(t, `mailStatus.${m.status}`, { fallback: m.status })}</td>
                    <td>{fmt(m.sentAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      </main>
    </>
  );
}
