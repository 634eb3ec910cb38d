import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { notFound } from "next/navigation";
import { Breadcrumbs } from "@/components/Breadcrumbs";
import { FormError } from "@/components/forms";
import { ClientMessages } from "@/components/ClientMessages";
import { getOwnChange, isCancellable } from "@/lib/lines/queries";
import { isUuid } from "@/lib/validation/ids";
import { requireCustomer } from "@/lib/web/session";
import { cancelChangeAction } from "../actions";
import { ChangeFacts } from "../change-facts";
import { database } from "@/lib/db";

export async function generateMetadata() {
  return { title: (await getTranslations("cancel"))("title") };
}

// The outcomes cancelChangeAction sends back here (anything else in ?error= is ignored).
const ERRORS = new Set(["alreadyReflected", "notCancellable", "cancelNeedsSupport", "notFound", "unexpected"]);

/** Cancel a change that waits for reflection: what it is, what cancelling does, 取り消す / 戻る. */
export default async function CancelPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { principal } = await requireCustomer();
  const query = await searchParams;
  const id = query.id;
  if (!isUuid(id)) notFound();
  const change = await getOwnChange(database(), principal.id, id);
  if (!change) notFound();
  const t = await getTranslations();
  const error = typeof query.error === "string" && ERRORS.has(query.error) ? `errors.${query.error}` : null;
  return (
    <>
      <main id="main">
        <Breadcrumbs trail={["menu", "password"]} />
        <h1>{t("cancel.title")}</h1>
        <section className="panel">
          <ClientMessages>
            <FormError error={error} />
          </ClientMessages>
          <ChangeFacts change={change}>
            <dt>{t("complete.status")}</dt>
            <dd data-testid="change-status">{t(`status.${change.status}`)}</dd>
          </ChangeFacts>
          {isCancellable(change.status) ? (
            <form action={cancelChangeAction}>
              <p>{t("cancel.lead")}</p>
              <p>{t("cancel.lead2")}</p>
              <input type="hidden" name="changeId" value={change.id} />
              <div className="actions">
                <button type="submit" className="btn btn-primary">
                  {t("cancel.confirm")}
                </button>
                <Link href="/history" className="btn btn-secondary">
                  {t("cancel.back")}
                </Link>
              </div>
            </form>
          ) : (
            <>
              {error ? null : <p>{t("cancel.notPending", { status: t(`status.${change.status}`) })}</p>}
              <div className="actions">
                <Link href="/history" className="btn btn-secondary">
                  {t("cancel.back")}
                </Link>
              </div>
            </>
          )}
        </section>
      </main>
    </>
  );
}
