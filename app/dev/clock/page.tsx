import { getTranslations } from "next-intl/server";
import { pageLocale } from "@/lib/web/locale";
import { notFound } from "next/navigation";
import { SiteHeader } from "@/components/SiteHeader";
import { clock } from "@/lib/clock";
import { isProduction } from "@/lib/env";
import { formatJst } from "@/lib/format";
import { requestContext } from "@/lib/web/request";
import { clearClockAction, setClockAction } from "./actions";

export const metadata = { title: "Clock", robots: { index: false } };

/** Outside production: run this browser as if it were a given Japan time (support reproduction, QA). */
export default async function ClockPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if (isProduction()) notFound();
  const t = await getTranslations("clock");
  const { now } = await requestContext();
  const locale = await pageLocale();
  const invalid = (await searchParams).invalid;
  return (
    <>
      <SiteHeader />
      <main id="main">
        <h1>{t("title")}</h1>
        <section className="panel">
          <p>{t("lead")}</p>
          <p data-testid="browser-time">{t("current", { time: formatJst(now, locale) })}</p>
          <p className="small">{t("real", { time: formatJst(clock.now(), locale) })}</p>
          {invalid ? (
            <p className="form-error" role="alert">
              {t("invalid")}
            </p>
          ) : null}
          <form action={setClockAction}>
            <div className="field">
              <label htmlFor="date">{t("date")}</label>
              <input id="date" name="date" type="date" required />
            </div>
            <div className="field">
              <label htmlFor="time">{t("time")}</label>
              <input id="time" name="time" type="time" required />
            </div>
            <button type="submit" className="btn btn-primary">
              {t("set")}
            </button>
          </form>
          <form action={clearClockAction} className="actions">
            <button type="submit" className="btn btn-secondary">
              {t("clear")}
            </button>
          </form>
        </section>
      </main>
    </>
  );
}
