import { randomUUID } from "node:crypto";
import { getTranslations } from "next-intl/server";
import { pageLocale } from "@/lib/web/locale";
import { Breadcrumbs } from "@/components/Breadcrumbs";
import { Notices } from "@/components/Notices";
import { ClientMessages } from "@/components/ClientMessages";
import { PasswordChangeForm } from "@/components/PasswordChangeForm";
import { changePasswordAction, previewAction } from "./actions";
import { serviceLabel } from "@/lib/lines/labels";
import Link from "next/link";
import { formatJst } from "@/lib/format";
import { listOwnLines, listOwnPendingChanges } from "@/lib/lines/queries";
import { requireCustomer } from "@/lib/web/session";
import { reflectionWhen } from "@/lib/web/reflection-text";
import { database } from "@/lib/db";

export async function generateMetadata() {
  return { title: (await getTranslations("password"))("title") };
}

/**
 * IP加入電話パスワード変更 (input screen). Each rendering carries a fresh idempotency key. A line
 * with a change waiting says so, with which password is now "current" and a way to cancel it.
 */
export default async function PasswordChangePage() {
  const { principal } = await requireCustomer();
  const t = await getTranslations("password");
  const handle = database();
  const [lines, pending] = await Promise.all([listOwnLines(handle, principal.id), listOwnPendingChanges(handle, principal.id)]);
  const locale = await pageLocale();
  const tAll = await getTranslations();
  return (
    <>
      <main id="main">
        <Breadcrumbs trail={["menu", "password"]} />
        <h1>{t("title")}</h1>
        <section className="panel">
          <p>{t("lead1")}</p>
          <p>{t("lead2")}</p>
          {pending.length > 0 ? (
            <div className="info" data-testid="pending-changes" role="note">
              <strong>{t("pendingTitle")}</strong>
              <ul>
                {pending.map((c) => (
                  <li key={c.id} data-testid="pending-change" data-number={c.line.number}>
                    {c.status === "FAILED"
                      ? t("pendingFailed", { number: c.line.number, requestedAt: formatJst(c.requestedAt, locale) })
                      : t("pendingLine", {
                          number: c.line.number,
                          requestedAt: formatJst(c.requestedAt, locale),
                          reflection: reflectionWhen(tAll, locale, { service: c.line.service, dueAt: c.dueAt, deadline: c.deadline }),
                        })}{" "}
                    {t("pendingCurrent")}{" "}
                    <Link href={`/password/cancel?id=${c.id}`}>{t("cancel")}</Link>
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
          <ClientMessages>
            <PasswordChangeForm
              idempotencyKey={randomUUID()}
              lines={lines.map((l) => ({ number: l.number, serviceLabel: serviceLabel(l.service, locale) }))}
              notices={<Notices />}
              actions={{ changePasswordAction, previewAction }}
            />
          </ClientMessages>
        </section>
      </main>
    </>
  );
}
