"use client";

import { useEffect } from "react";

const KEY = "typed-before-language-switch";
type Typed = { path: string; fields: [string, string][] };

/** Inputs of the page's main content that the visitor has typed into (and that have an id). */
function typedFields(): (HTMLInputElement | HTMLTextAreaElement)[] {
  return Array.from(document.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>("main input[id], main textarea[id]")).filter(
    (el) => !["hidden", "checkbox", "radio", "submit", "button"].includes(el.type) && el.value !== el.defaultValue,
  );
}

/** A value set as if typed, so that React and react-hook-form see it. */
function typeInto(el: HTMLInputElement | HTMLTextAreaElement, value: string) {
  const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  Object.getOwnPropertyDescriptor(proto, "value")?.set?.call(el, value);
  el.dispatchEvent(new Event("input", { bubbles: true }));
}

/**
 * The language switch's button. Switching reloads the page in the other language; what the visitor
 * typed is kept: ordinary fields are put back after the switch (this tab's sessionStorage, for this
 * page only, removed once used); a password or a code is never stored — when one has been typed,
 * the switch asks first, in the page's language, and does nothing if the visitor says no.
 */
export function LanguageSwitchButton({ label, lang, ariaLabel, confirmText }: { label: string; lang: string; ariaLabel: string; confirmText: string }) {
  useEffect(() => {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return;
    sessionStorage.removeItem(KEY);
    let typed: Typed;
    try {
      typed = JSON.parse(raw) as Typed;
    } catch {
      return;
    }
    if (typed.path !== window.location.pathname) return;
    // The form may hydrate a moment after the header: try for a second.
    let tries = 0;
    const restore = () => {
      const missing = typed.fields.filter(([id, value]) => {
        const el = document.getElementById(id);
        if (!(el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement)) return true;
        if (el.value === "") typeInto(el, value);
        return false;
      });
      if (missing.length > 0 && ++tries < 20) {
        typed = { ...typed, fields: missing };
        setTimeout(restore, 50);
      }
    };
    restore();
  }, []);

  const onClick = (e: React.MouseEvent<HTMLButtonElement>) => {
    const fields = typedFields();
    const secret = (el: HTMLInputElement | HTMLTextAreaElement) => el.type === "password" || el.hasAttribute("data-secret");
    if (fields.some(secret) && !window.confirm(confirmText)) {
      e.preventDefault();
      return;
    }
    const keep = fields.filter((el) => !secret(el)).map((el): [string, string] => [el.id, el.value]);
    if (keep.length > 0) sessionStorage.setItem(KEY, JSON.stringify({ path: window.location.pathname, fields: keep } satisfies Typed));
  };

  return (
    <button type="submit" className="btn-link" lang={lang} aria-label={ariaLabel} data-data onClick={onClick}>
      {label}
    </button>
  );
}
