"use client";

import Link from "next/link";
import { errorPageText } from "@/lib/web/error-page-text";

/**
 * When the root layout itself fails (nothing of the portal could be drawn): a plain page of its own,
 * in both languages (the visitor's choice is not known here), with a way back to the top page.
 */
export default function GlobalError({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <html lang="ja">
      <body style={{ fontFamily: "system-ui, sans-serif", margin: 0, background: "#f5f5f5", color: "#1f1f1f" }}>
        <header style={{ background: "#fff", borderBottom: "4px solid #bf0000", padding: "10px 16px", fontWeight: 700, color: "#bf0000" }}>{errorPageText.ja.serviceName}</header>
        <main style={{ maxWidth: 960, margin: "0 auto", padding: 16 }}>
          {(["ja", "en"] as const).map((l) => (
            <section key={l} lang={l} style={{ background: "#fff", border: "1px solid #cfcfcf", padding: "16px 20px", marginBottom: 16 }}>
              <h1 style={{ fontSize: "1.3rem" }}>{errorPageText[l].errorTitle}</h1>
              <p>{errorPageText[l].errorLead}</p>
              <p>
                <button type="button" onClick={reset} style={{ minHeight: 44, padding: "8px 16px" }}>
                  {errorPageText[l].retry}
                </button>{" "}
                <Link href="/" style={{ display: "inline-block", minHeight: 24, padding: "8px 4px" }}>
                  {errorPageText[l].toTop}
                </Link>
              </p>
            </section>
          ))}
        </main>
      </body>
    </html>
  );
}
