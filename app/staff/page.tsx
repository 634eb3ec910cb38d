import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { pageLocale } from "@/lib/web/locale";
import { SignedInHeader } from "@/components/SignedInHeader";
import { serviceLabel } from "@/lib/lines/labels";
import { searchCustomers } from "@/lib/support/lookup";
import { requireStaff } from "@/lib/web/session";
import { staffLogoutAction } from "./login/actions";

export async function generateMetadata() {
  return { title: (await getTranslations("staff"))("title") };
}

/** Support console: find a customer by self-care ID, phone number or email (partial matches). */
export default async function StaffSearchPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { principal } = await requireStaff();
  const t = await getTranslations("staff");
  const q = (await searchParams).q;
  const query = typeof q === "string" ? q.slice(0, 100) : "";
  const results = query ? await searchCustomers(query) : null;
  const locale = await pageLocale();
  const ts = await getTranslations("staff");
  const tc = await getTranslations("common");
  return (
    <>
      <SignedInHeader who={principal.loginId} logout={staffLogoutAction} />
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
          </section>
        ) : null}
      </main>
    </>
  );
}
