"use client";

import Link from "next/link";
import { useSyncExternalStore } from "react";
import { errorPageText } from "@/lib/web/error-page-text";

const subscribe = () => () => {};

/**
 * The error page (an exception while rendering a page): the portal's look, the visitor's language
 * (the page's <html lang>, set by the root layout from the locale cookie), a way back and a retry.
 * The root layout — header aside, which is a server component — stays around it, footer included.
 * Its words come from a small table checked against messages/*.json (tests/unit/error-page-text.test.ts),
 * so every page does not load the whole catalogue for a page rarely shown.
 */
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const lang = useSyncExternalStore(
    subscribe,
    () => (document.documentElement.lang === "en" ? "en" : "ja"),
    () => "ja" as const,
  );
  const t = errorPageText[lang];
  return (
    <>
      <header className="site-header">
        <div className="inner">
          <Link href="/" className="brand">
            {t.serviceName}
          </Link>
        </div>
      </header>
      <main id="main" className="error-page" data-testid="error-page">
        <h1>{t.errorTitle}</h1>
        <section className="panel">
          <p className="form-error" role="alert">
            {t.errorLead}
          </p>
          <p>{t.errorHint}</p>
          {error.digest ? (
            <p className="code">
              {t.errorCode}: <span data-data>{error.digest}</span>
            </p>
          ) : null}
          <div className="actions">
            <button type="button" className="btn btn-primary" onClick={reset}>
              {t.retry}
            </button>
            <Link href="/" className="btn btn-secondary">
              {t.toTop}
            </Link>
          </div>
        </section>
      </main>
    </>
  );
}
