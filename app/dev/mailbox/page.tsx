import { getTranslations } from "next-intl/server";
import { pageLocale } from "@/lib/web/locale";
import { notFound } from "next/navigation";
import { SiteHeader } from "@/components/SiteHeader";
import { database } from "@/lib/db";
import { isProduction } from "@/lib/env";
import { formatJst } from "@/lib/format";
import { textOf } from "@/i18n/runtime-key";

export const metadata = { title: "Mailbox", robots: { index: false } };

/**
 * Outside production: every outgoing message, so a person can read their code without SMTP. Newest
 * first by the database's clock (queuedAt): a simulated clock (APP_NOW, /dev/clock) never reorders it.
 */
export default async function DevMailboxPage() {
  if (isProduction()) notFound();
  const t = await getTranslations("mailbox");
  const locale = await pageLocale();
  const tc = await getTranslations("common");
  const tAll = await getTranslations();
  const sep = tc("sep");
  const mails = await database().prisma.outboxEmail.findMany({ orderBy: [{ queuedAt: "desc" }, { createdAt: "desc" }], take: 50 });
  return (
    <>
      <SiteHeader />
      <main id="main">
        <h1>{t("title")}</h1>
        <p className="small">{t("lead")}</p>
        {mails.length === 0 ? <p>{t("empty")}</p> : null}
        {mails.map((m) => (
          <article key={m.id} className="panel mail" data-testid="mail" data-to={m.toAddress}>
            <p className="small">
              {t("to")}: {m.toAddress}{sep}{t("created")}: {tc("jst", { time: formatJst(m.createdAt, locale) })}{sep}
              {t("status")}: {tAll(`mailStatus.${m.status}`)}{sep}
              {t("kind")}: {textOf(tAll, `mailKind.${m.kind}`)}
            </p>
            <h2>{m.subject}</h2>
            <pre className="mail-body">{m.body}</pre>
          </article>
        ))}
      </main>
    </>
  );
}
