import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { pageLocale } from "@/lib/web/locale";
import { serviceLabel } from "@/lib/lines/labels";
import { ClientMessages } from "@/components/ClientMessages";
import { StaffActionForm } from "@/components/StaffActionForm";
import { formatJst } from "@/lib/format";
import { lockedStaff } from "@/lib/support/commands";
import { findCustomers } from "@/lib/support/lookup";
import { requestContext } from "@/lib/web/request";
import { unlockStaffAction } from "./customers/[id]/actions";
import { requireStaff } from "@/lib/web/session";
import { database } from "@/lib/db";

export async function generateMetadata() {
  return { title: (await getTranslations("staff"))("title") };
}

/** Support console: find a customer by self-care ID, phone number or email (partial matches). */
export default async function StaffSearchPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { principal } = await requireStaff();
  const t = await getTranslations("staff");
  const params = await searchParams;
  const query = typeof params.q === "string" ? params.q.slice(0, 100) : "";
  const after = typeof params.after === "string" ? params.after.slice(0, 100) : null;
  const handle = database();
  const search = query ? await findCustomers(handle, query, { after }) : null;
  const results = search?.kind === "results" ? search.customers : null;
  const locale = await pageLocale();
  const ts = await getTranslations("staff");
  const tc = await getTranslations("common");
  const { now } = await requestContext();
  const locked = (await lockedStaff(handle, now)).filter((s) => s.id !== principal.id);
  return (
    <>
      <main id="main">
        <h1>{t("title")}</h1>
        <section className="panel">
          <form method="get" action="/staff" role="search">
            <div className="field">
              <label htmlFor="q">{t("searchLabel")}</label>
              <input id="q" name="q" defaultValue={query} maxLength={100} autoComplete="off" />
            </div>
            <button type="submit" className="btn btn-primary">
              {t("search")}
            </button>
          </form>
        </section>
        {locked.length > 0 ? (
          <section className="panel" aria-labelledby="locked-staff">
            <h2 id="locked-staff">{t("lockedStaff")}</h2>
            <p className="small">{t("lockedStaffLead")}</p>
            <ul className="menu-list">
              {locked.map((s) => (
                <li key={s.id} data-testid="locked-staff">
                  <p>{t("lockedStaffRow", { loginId: s.loginId, until: s.lockedUntil ? formatJst(s.lockedUntil, locale) : "—", count: String(s.lockoutCount) })}</p>
                  <ClientMessages>
                    <StaffActionForm id={`unlock-staff-${s.id}`} title={t("unlockStaff")} lead={t("unlockLead")} targetId={s.id} action={unlockStaffAction} />
                  </ClientMessages>
                </li>
              ))}
            </ul>
          </section>
        ) : null}
        {search?.kind === "too-short" ? (
          <p className="form-error" role="alert" data-testid="search-too-short">
            {t("searchTooShort", { min: String(search.min) })}
          </p>
        ) : null}
        {results ? (
          <section className="panel" aria-labelledby="results">
            <h2 id="results">{t("results")}</h2>
            {results.length === 0 ? <p>{t("noResults")}</p> : null}
            <ul className="menu-list">
              {results.map((c) => (
                <li key={c.id} data-testid="search-result">
                  <Link href={`/staff/customers/${c.id}`}>
                    {c.selfcareId} — {c.email}
                  </Link>
                  <p className="small">{c.lines.map((l) => ts("lineTitle", { number: l.number, service: serviceLabel(l.service, locale) })).join(tc("listSep"))}</p>
                </li>
              ))}
            </ul>
            {search?.kind === "results" && search.next ? (
              <p>
                <Link href={`/staff?${new URLSearchParams({ q: query, after: search.next }).toString()}`} data-testid="search-next">
                  {t("searchNext")}
                </Link>
              </p>
            ) : null}
          </section>
        ) : null}
      </main>
    </>
  );
}
