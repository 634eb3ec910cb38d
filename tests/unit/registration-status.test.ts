import { describe, expect, it } from "vitest";
import { deviceName, registrationStatus, type ChangeForStatus, type RegistrarEvent, type RegistrarFacts } from "@/lib/registration/status";

// A B2BUA change requested at 14:00 and reflected at 17:30 Japan time (08:30 UTC).
const JST = (hm: string) => new Date(`2026-11-25T${hm}:00+09:00`);
const applied: ChangeForStatus = { status: "APPLIED", dueAt: JST("17:30"), deadline: JST("17:30"), appliedAt: JST("17:30"), batch: true };
const ev = (hm: string, outcome: RegistrarEvent["outcome"], userAgent: string | null = "Grandstream HT802 1.0.43.11"): RegistrarEvent => ({ at: JST(hm), outcome, userAgent, source: "udp:192.0.2.10:5060" });
const facts = (...events: RegistrarEvent[]): RegistrarFacts => ({ reflectedAt: JST("17:30"), events });

describe("registrationStatus", () => {
  it("pending: counts down to the batch time; past it, says it is late (never 'reflected')", () => {
    const pending = { ...applied, status: "PENDING" as const, appliedAt: null };
    expect(registrationStatus(pending, null, JST("14:00"))).toEqual({ kind: "pending", at: JST("17:30"), secondsLeft: 3.5 * 3600 });
    expect(registrationStatus(pending, facts(ev("17:00", "ok")), JST("17:31"))).toEqual({ kind: "late", at: JST("17:30") });
  });

  it("pending IP_PHONE: counts down to its 15-minute deadline", () => {
    const c: ChangeForStatus = { status: "PENDING", dueAt: JST("14:00"), deadline: JST("14:15"), appliedAt: null, batch: false };
    expect(registrationStatus(c, null, JST("14:05"))).toMatchObject({ kind: "pending", at: JST("14:15"), secondsLeft: 600 });
  });

  it("no registrar (internal provisioner): reflected, registration not observed — never an invented state", () => {
    expect(registrationStatus(applied, null, JST("18:00"))).toEqual({ kind: "reflected", appliedAt: JST("17:30"), observed: "none" });
  });

  it("a registrar that did not answer: reflected, could not check", () => {
    expect(registrationStatus(applied, "unavailable", JST("18:00"))).toEqual({ kind: "reflected", appliedAt: JST("17:30"), observed: "unavailable" });
  });

  it("no registrar facts since the reflection: waiting for the device", () => {
    expect(registrationStatus(applied, facts(), JST("18:00"))).toEqual({ kind: "waiting-device", appliedAt: JST("17:30") });
  });

  it("only failures after the reflection: still the old password, counted since the first", () => {
    const s = registrationStatus(applied, facts(ev("17:31", "wrong_password"), ev("17:32", "wrong_password"), ev("17:33", "unknown_user"), ev("17:34", "no_credentials")), JST("18:00"));
    expect(s).toEqual({ kind: "old-password", appliedAt: JST("17:30"), failures: 4, since: JST("17:31") });
  });

  it("a success before the reflection time is the old password: it does not count", () => {
    expect(registrationStatus(applied, facts(ev("17:00", "ok"), ev("17:29", "ok")), JST("18:00"))).toEqual({ kind: "waiting-device", appliedAt: JST("17:30") });
    expect(registrationStatus(applied, facts(ev("17:29", "ok"), ev("17:35", "wrong_password")), JST("18:00"))).toMatchObject({ kind: "old-password", failures: 1, since: JST("17:35") });
  });

  it("failures before the reflection do not count either", () => {
    expect(registrationStatus(applied, facts(ev("17:10", "wrong_password")), JST("18:00"))).toEqual({ kind: "waiting-device", appliedAt: JST("17:30") });
  });

  it("a success after the reflection: registered with the new password at that time, device from its user agent", () => {
    const s = registrationStatus(applied, facts(ev("17:31", "wrong_password"), ev("17:40", "ok"), ev("17:45", "wrong_password"), ev("17:50", "ok", "Other")), JST("18:00"));
    expect(s).toEqual({ kind: "registered", appliedAt: JST("17:30"), at: JST("17:40"), device: "Grandstream HT802 1.0.43.11" });
  });

  it("a superseded, cancelled or failed change is not in effect, whatever the registrar saw", () => {
    for (const status of ["SUPERSEDED", "CANCELLED", "FAILED"] as const) {
      expect(registrationStatus({ ...applied, status }, facts(ev("17:40", "ok")), JST("18:00"))).toEqual({ kind: "not-in-effect", status });
      expect(registrationStatus({ ...applied, status, appliedAt: null }, null, JST("14:00"))).toEqual({ kind: "not-in-effect", status });
    }
  });
});

describe("deviceName", () => {
  it("takes the first product of a User-Agent, readable and short", () => {
    expect(deviceName("Grandstream HT802 1.0.43.11")).toBe("Grandstream HT802 1.0.43.11");
    expect(deviceName("Linksys/SPA2102-5.2.12")).toBe("Linksys SPA2102-5.2.12");
    expect(deviceName("Yealink SIP-T46S 66.86.0.15 (build 1)")).toBe("Yealink SIP-T46S 66.86.0.15");
    expect(deviceName("\u0000\u0007")).toBeNull();
    expect(deviceName(null)).toBeNull();
    expect(deviceName("x".repeat(300))).toHaveLength(60);
  });
});
