"use client";

import Link from "next/link";
import { useEffect, useState } from "react";
import type { StatusView } from "@/lib/registration/status";

interface Snapshot {
  items: StatusView[];
  /** "最終確認: 2026年11月25日 17:31" in the page's language. */
  checked: string;
}

/** The block's fixed texts, translated on the server (this component loads no i18n runtime). */
export interface StatusLabels {
  title: string;
  howto: string;
  none: string;
  checkFailed: string;
  line: string;
}

/**
 * Per line: reflection pending (countdown) → reflected → registered with the new password, or
 * still the old password (with the how-to link). Rendered on the server first (works without
 * JavaScript), then asked again every `pollSeconds` while the page is open; says when it last checked.
 */
export function RegistrationStatus({ initial, labels, change, pollSeconds, showNumber = true }: { initial: Snapshot; labels: StatusLabels; change?: string; pollSeconds: number; showNumber?: boolean }) {
  const [snap, setSnap] = useState(initial);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const tick = async () => {
      try {
        const res = await fetch(`/api/registration${change ? `?change=${encodeURIComponent(change)}` : ""}`, { cache: "no-store" });
        if (res.status === 401) {
          stopped = true; // signed out: the next navigation says so
          return;
        }
        if (!res.ok) throw new Error(String(res.status));
        const next = (await res.json()) as Snapshot;
        if (!stopped) {
          setSnap(next);
          setFailed(false);
        }
      } catch {
        if (!stopped) setFailed(true);
      }
      if (!stopped) timer = setTimeout(tick, pollSeconds * 1000);
    };
    timer = setTimeout(tick, pollSeconds * 1000);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [change, pollSeconds]);

  return (
    <section className="registration-status" aria-labelledby="registration-status-title" data-testid="registration-status">
      <h2 id="registration-status-title">{labels.title}</h2>
      {snap.items.length === 0 ? <p>{labels.none}</p> : null}
      <ul className="registration-lines" aria-live="polite">
        {snap.items.map((s) => (
          <li key={s.changeId} className={s.tone} data-testid="registration-line" data-number={s.number} data-kind={s.kind}>
            {showNumber ? <strong>{labels.line.replace("{number}", s.number)}</strong> : null}
            <span data-testid="registration-text">{s.text}</span>
            {s.howto ? (
              <>
                {" "}
                <Link href="/guide/adapter">{labels.howto}</Link>
              </>
            ) : null}
          </li>
        ))}
      </ul>
      <p className="small" data-testid="registration-checked">
        {snap.checked}
        {failed ? <span role="alert"> {labels.checkFailed}</span> : null}
      </p>
    </section>
  );
}
