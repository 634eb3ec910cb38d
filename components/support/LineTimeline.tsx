import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { textOf } from "@/i18n/runtime-key";
import { formatJst, type Locale } from "@/lib/format";
import type { StatusView } from "@/lib/registration/text";
import type { TimelinePage } from "@/lib/support/timeline";

/**
 * One line's timeline on the support customer page: the customer's status sentence first (what the
 * agent answers "why does my phone not work?" with), then portal and registrar events merged,
 * newest first, in Japan time, a page at a time (`?line=<number>&before=<ISO>`).
 */
export async function LineTimeline({ customerId, number, status, page, locale, paged }: { customerId: string; number: string; status: StatusView | null; page: TimelinePage; locale: Locale; paged: boolean }) {
  const t = await getTranslations();
  const id = `timeline-${number}`;
  return (
    <section aria-labelledby={id} className="timeline" data-testid="line-timeline" data-number={number}>
      {status ? (
        <p className={status.tone} data-testid="timeline-status" data-kind={status.kind}>
          <strong>{t("timeline.summary")}</strong>
          {status.text}
        </p>
      ) : null}
      <h4 id={id}>{t("timeline.title")}</h4>
      {page.registrar === "unavailable" ? <p className="notice" role="status">{t("timeline.unavailable")}</p> : null}
      {page.registrar === "none" ? <p className="small">{t("timeline.notObserved")}</p> : null}
      {page.entries.length === 0 ? (
        <p>{t("timeline.empty")}</p>
      ) : (
        <ol className="timeline-list">
          {page.entries.map((e, i) => (
            <li key={`${e.at.getTime()}-${i}`} data-testid="timeline-entry" data-source={e.source} className={e.source === "registrar" && e.kind === "register" && e.outcome !== "ok" ? "timeline-failure" : undefined}>
              <time dateTime={e.at.toISOString()}>{formatJst(e.at, locale)}</time>{" "}
              <span className="small">[{e.source === "registrar" ? t("timeline.registrar") : t("timeline.portal")}]</span>{" "}
              {e.kind === "audit" ? (
                <>
                  <strong>{textOf(t, `audit.${e.type}`, { fallback: e.type })}</strong>
                  {e.promised ? (
                    <span data-testid="timeline-promised">
                      {" "}
                      {e.promised.kind === "batch" ? t("timeline.promisedBatch", { time: formatJst(e.promised.at, locale) }) : t("timeline.promisedWithin", { time: formatJst(e.promised.by, locale) })}
                    </span>
                  ) : null}
                  {e.changeId ? <span className="small"> {t("timeline.change", { id: e.changeId.slice(0, 8) })}</span> : null}
                  {e.reason ? <span className="small"> — {e.reason}</span> : null}
                </>
              ) : e.kind === "email" ? (
                <span>{t("timeline.email", { subject: e.subject, status: textOf(t, `mailStatus.${e.status}`, { fallback: e.status }) })}</span>
              ) : (
                <>
                  <strong>{textOf(t, `timeline.${e.outcome}`, { fallback: e.outcome })}</strong>
                  {e.device ? <span> {t("timeline.device", { device: e.device })}</span> : null}
                  {e.sourceAddress ? <span className="small"> {t("timeline.source", { source: e.sourceAddress })}</span> : null}
                </>
              )}
            </li>
          ))}
        </ol>
      )}
      <p>
        {page.older ? (
          <Link href={`/staff/customers/${customerId}?line=${number}&before=${encodeURIComponent(page.older.toISOString())}#${id}`} data-testid="timeline-older">
            {t("timeline.older")}
          </Link>
        ) : null}
        {paged ? (
          <>
            {" "}
            <Link href={`/staff/customers/${customerId}#${id}`}>{t("timeline.newest")}</Link>
          </>
        ) : null}
      </p>
    </section>
  );
}
