import { createTranslator } from "next-intl";
import en from "@/messages/en.json";
import ja from "@/messages/ja.json";
import { formatJst, type Locale } from "../format";
import { promiseOf, type ServiceType } from "../schedule";

const catalogs = { ja, en } as const;

const makeTranslator = (locale: Locale) => createTranslator({ locale, messages: catalogs[locale] ?? ja, namespace: "email" });
// One translator per language, kept: it caches its compiled messages, and building one per email
// cost the reflection worker ~0.15 ms an email (15 s of a 100,000-change batch, docs/benchmarks.md).
const translators = new Map<Locale, ReturnType<typeof makeTranslator>>();

function translator(locale: Locale) {
  if (locale !== "ja" && locale !== "en") return makeTranslator(locale);
  let t = translators.get(locale);
  if (!t) translators.set(locale, (t = makeTranslator(locale)));
  return t;
}

export interface RenderedEmail {
  subject: string;
  body: string;
}

const signed = (t: ReturnType<typeof translator>, body: string) => body + t("signature");

/** The two-step code message: the code, its expiry in Japan time, what to do if it was not you. */
export function codeEmail(p: { locale: Locale; name: string; code: string; expiresAt: Date }): RenderedEmail {
  const t = translator(p.locale);
  return { subject: t("codeSubject"), body: signed(t, t("codeBody", { name: p.name, code: p.code, expiresAt: formatJst(p.expiresAt, p.locale) })) };
}

export function lockoutEmail(p: { locale: Locale; name: string; until: Date }): RenderedEmail {
  const t = translator(p.locale);
  return { subject: t("lockoutSubject"), body: signed(t, t("lockoutBody", { name: p.name, until: formatJst(p.until, p.locale) })) };
}

/** How a reflection is promised: the batch time, or the 15-minute deadline. */
export function reflectionPhrase(locale: Locale, service: ServiceType, dueAt: Date, deadline: Date): string {
  const t = translator(locale);
  const promised = promiseOf({ service, dueAt, deadline });
  return promised.kind === "batch" ? t("reflectionAt", { dueAt: formatJst(promised.at, locale) }) : t("reflectionWithin", { deadline: formatJst(promised.by, locale) });
}

export function changeAcceptedEmail(p: {
  locale: Locale;
  name: string;
  number: string;
  service: ServiceType;
  serviceLabel: string;
  requestedAt: Date;
  dueAt: Date;
  deadline: Date;
  /** The SIP domain the adapter registers to (SIP_REALM). */
  realm: string;
  /** Absolute address of the portal's adapter how-to page. */
  howtoUrl: string;
}): RenderedEmail {
  const t = translator(p.locale);
  // When to touch the adapter: at the reflection time for a batch line (the registrar accepts the
  // old password until then), at once for IP_PHONE.
  const promised = promiseOf(p);
  const device = promised.kind === "batch" ? t("deviceBatch", { dueAt: formatJst(promised.at, p.locale) }) : t("deviceNow");
  return {
    subject: t("acceptedSubject"),
    body: signed(
      t,
      t("acceptedBody", {
        name: p.name,
        number: p.number,
        service: p.serviceLabel,
        requestedAt: formatJst(p.requestedAt, p.locale),
        reflection: reflectionPhrase(p.locale, p.service, p.dueAt, p.deadline),
        device,
        settings: t("deviceSettings", { number: p.number, realm: p.realm, howto: p.howtoUrl }),
      }),
    ),
  };
}

export function changeAppliedEmail(p: { locale: Locale; name: string; number: string; appliedAt: Date }): RenderedEmail {
  const t = translator(p.locale);
  return { subject: t("appliedSubject"), body: signed(t, t("appliedBody", { name: p.name, number: p.number, appliedAt: formatJst(p.appliedAt, p.locale) })) };
}

export function changeFailedEmail(p: { locale: Locale; name: string; number: string; requestedAt: Date }): RenderedEmail {
  const t = translator(p.locale);
  return { subject: t("failedSubject"), body: signed(t, t("failedBody", { name: p.name, number: p.number, requestedAt: formatJst(p.requestedAt, p.locale) })) };
}

export function lineBlockedEmail(p: { locale: Locale; name: string; number: string; until: Date }): RenderedEmail {
  const t = translator(p.locale);
  return { subject: t("blockedSubject"), body: signed(t, t("blockedBody", { name: p.name, number: p.number, until: formatJst(p.until, p.locale) })) };
}

export function changeCancelledEmail(p: { locale: Locale; name: string; number: string; requestedAt: Date; cancelledAt: Date }): RenderedEmail {
  const t = translator(p.locale);
  return {
    subject: t("cancelledSubject"),
    body: signed(t, t("cancelledBody", { name: p.name, number: p.number, requestedAt: formatJst(p.requestedAt, p.locale), cancelledAt: formatJst(p.cancelledAt, p.locale) })),
  };
}

/** The device registered with the new password (lib/registration/watch.ts; once per change). */
export function registeredEmail(p: { locale: Locale; name: string; number: string; at: Date; device: string | null }): RenderedEmail {
  const t = translator(p.locale);
  const device = p.device ? t("registeredDevice", { device: p.device }) : "";
  return { subject: t("registeredSubject"), body: signed(t, t("registeredBody", { name: p.name, number: p.number, device, at: formatJst(p.at, p.locale) })) };
}

/** Only failures N minutes after the reflection: change the adapter's password now (once per change). */
export function oldPasswordEmail(p: { locale: Locale; name: string; number: string; failures: number; since: Date; howtoUrl: string }): RenderedEmail {
  const t = translator(p.locale);
  return {
    subject: t("oldPasswordSubject"),
    body: signed(t, t("oldPasswordBody", { name: p.name, number: p.number, count: String(p.failures), since: formatJst(p.since, p.locale), howto: p.howtoUrl })),
  };
}
