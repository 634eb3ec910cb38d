// The per-line status a customer reads: the portal's change record joined with what the registrar
// saw (registration_event). A pure function of its inputs, so every combination is unit-tested
// (tests/unit/registration-status.test.ts).

export type RegistrarOutcome = "ok" | "wrong_password" | "unknown_user" | "no_credentials";

/** A REGISTER the registrar recorded; `at` already on the caller's clock (lib/registration/registrar.ts). */
export interface RegistrarEvent {
  at: Date;
  outcome: RegistrarOutcome;
  userAgent: string | null;
  source: string | null;
}

/**
 * What the registrar saw of a line around its change's reflection, on one clock (the caller's):
 * `reflectedAt` is when the registrar got the new credential; `events` its REGISTER outcomes from
 * shortly before that on, oldest first (bounded by the reader).
 */
export interface RegistrarFacts {
  reflectedAt: Date;
  events: RegistrarEvent[];
}

export const FAILED_OUTCOMES: readonly RegistrarOutcome[] = ["wrong_password", "unknown_user", "no_credentials"];

export interface ChangeForStatus {
  status: "PENDING" | "APPLIED" | "SUPERSEDED" | "FAILED" | "CANCELLED";
  dueAt: Date;
  deadline: Date;
  appliedAt: Date | null;
  /** Whether it is a batch (17:30) line: its promise is dueAt; else the deadline. */
  batch: boolean;
}

/**
 * - `observed: "none"`: the portal has no registrar to ask (the internal provisioner): never an invented state.
 * - `observed: "unavailable"`: the registrar's database did not answer this time.
 */
export type RegistrationStatus =
  | { kind: "pending"; at: Date; secondsLeft: number }
  | { kind: "late"; at: Date }
  | { kind: "not-in-effect"; status: "SUPERSEDED" | "CANCELLED" | "FAILED" }
  | { kind: "reflected"; appliedAt: Date; observed: "none" | "unavailable" }
  | { kind: "waiting-device"; appliedAt: Date }
  | { kind: "registered"; appliedAt: Date; at: Date; device: string | null }
  | { kind: "old-password"; appliedAt: Date; failures: number; since: Date };

/**
 * A device name from a User-Agent header: its first product token (e.g. "Grandstream HT802 1.0.43.11"
 * → "Grandstream HT802 1.0.43.11", "Linksys/SPA2102-5.2.12" → "Linksys SPA2102-5.2.12"), at most 60
 * characters of printable text; null when there is nothing readable.
 */
export function deviceName(userAgent: string | null | undefined): string | null {
  if (!userAgent) return null;
  const clean = userAgent.replace(/[^\x20-\x7e\u3000-\u30ff\u4e00-\u9fff]/g, "").trim();
  if (!clean) return null;
  const first = clean.split(/\s*[;(]/)[0]!.replace(/\//g, " ").trim();
  return (first || clean).slice(0, 60);
}

/**
 * The status of one change, given the registrar's facts since its reflection (`facts`: null with
 * no registrar; "unavailable" when it did not answer) and now.
 */
export function registrationStatus(change: ChangeForStatus, facts: RegistrarFacts | null | "unavailable", now: Date): RegistrationStatus {
  if (change.status === "SUPERSEDED" || change.status === "CANCELLED" || change.status === "FAILED") return { kind: "not-in-effect", status: change.status };
  if (change.status === "PENDING" || !change.appliedAt) {
    const at = change.batch ? change.dueAt : change.deadline;
    const secondsLeft = Math.ceil((at.getTime() - now.getTime()) / 1000);
    return secondsLeft > 0 ? { kind: "pending", at, secondsLeft } : { kind: "late", at };
  }
  const appliedAt = change.appliedAt;
  if (facts === null) return { kind: "reflected", appliedAt, observed: "none" };
  if (facts === "unavailable") return { kind: "reflected", appliedAt, observed: "unavailable" };
  // Only what the registrar saw after it took the new credential counts: a success before that was
  // the old password, and so were failures before it (e.g. a mistyped adapter before 17:30).
  const after = facts.events.filter((e) => e.at.getTime() > facts.reflectedAt.getTime());
  const ok = after.find((e) => e.outcome === "ok");
  if (ok) return { kind: "registered", appliedAt, at: ok.at, device: deviceName(ok.userAgent) };
  const failures = after.filter((e) => FAILED_OUTCOMES.includes(e.outcome));
  if (failures.length > 0) return { kind: "old-password", appliedAt, failures: failures.length, since: failures[0]!.at };
  return { kind: "waiting-device", appliedAt };
}

/** What a status block shows for one line: a tone for its style, the sentence, whether to link the how-to. */
export interface StatusView {
  number: string;
  changeId: string;
  kind: RegistrationStatus["kind"];
  tone: "info" | "success" | "error" | "notice";
  text: string;
  howto: boolean;
}

