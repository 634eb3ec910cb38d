import { audit, type ClientInfo } from "../audit";
import { db } from "../db";
import { AppError } from "../errors";
import type { Locale } from "../format";
import { enqueueEmail } from "../mail/outbox";
import { codeEmail, lockoutEmail } from "../mail/templates";
import { CODE_MAX_ATTEMPTS, CODE_TTL_MS, challengeState, generateCode, maskEmail } from "./codes";
import { LOGIN_FAILURES_TO_LOCK, isLocked, lockoutDurationMs } from "./lockout";
import { hashSecret, verifyAgainstDummy, verifySecret } from "./password";
import { principals, type Principal, type PrincipalKind } from "./principals";
import { consume } from "./rate-limit";

export type LoginErrorCode = "INVALID_CREDENTIALS" | "RATE_LIMITED";
export type CodeErrorCode = "CODE_INVALID" | "CODE_EXPIRED" | "CHALLENGE_DEAD" | "RESEND_TOO_SOON" | "RATE_LIMITED";

/** The minimum spacing of two code emails for one challenge. */
export const RESEND_SPACING_MS = 60_000;

const actorOf = (kind: PrincipalKind) => (kind === "customer" ? "customer" : "staff");
const who = (p: Principal) => (p.kind === "customer" ? { selfcareId: p.loginId, customerId: p.id } : { selfcareId: p.loginId, staffUserId: p.id });

/**
 * Step 1 of sign-in: the ID and password. On success a login challenge is opened and its code is
 * emailed (via the outbox, in the same transaction). An unknown ID, a wrong password and a locked
 * account all fail with INVALID_CREDENTIALS after the same argon2 work.
 */
export async function startLogin(o: {
  kind: PrincipalKind;
  loginId: string;
  password: string;
  now: Date;
  client: ClientInfo;
  /** The language the customer is using; their emails follow it from now on. */
  locale?: Locale;
}): Promise<{ challengeId: string; maskedEmail: string; expiresAt: Date }> {
  const prisma = db();
  if (o.client.ip) await consume(prisma, "login-ip", o.client.ip);
  const principal = await principals.find(prisma, o.kind, o.loginId);
  const actor = actorOf(o.kind);

  if (!principal) {
    await verifyAgainstDummy(o.password);
    await audit(prisma, { type: "LOGIN_FAILED", actor: "anonymous", at: o.now, selfcareId: o.loginId, client: o.client, details: { reason: "unknown_id", kind: o.kind } });
    throw new AppError("INVALID_CREDENTIALS");
  }

  const passwordOk = await verifySecret(principal.passwordHash, o.password);
  if (isLocked(principal.lockedUntil, o.now)) {
    await audit(prisma, { type: "LOGIN_FAILED", actor, at: o.now, ...who(principal), client: o.client, details: { reason: "locked" } });
    throw new AppError("INVALID_CREDENTIALS");
  }

  if (!passwordOk) {
    await prisma.$transaction(async (tx) => {
      const counters = await principals.addFailure(tx, o.kind, principal.id, o.now);
      if (!counters) {
        // Locked by a simultaneous attempt since this one read the account: not counted.
        await audit(tx, { type: "LOGIN_FAILED", actor, at: o.now, ...who(principal), client: o.client, details: { reason: "locked" } });
        return;
      }
      const failures = counters.failedLoginCount;
      await audit(tx, { type: "LOGIN_FAILED", actor, at: o.now, ...who(principal), client: o.client, details: { reason: "wrong_password", consecutive: failures } });
      if (failures < LOGIN_FAILURES_TO_LOCK) return;
      const nth = counters.lockoutCount + 1;
      const until = new Date(o.now.getTime() + lockoutDurationMs(nth));
      await principals.update(tx, o.kind, principal.id, { failedLoginCount: 0, lockoutCount: nth, lockedUntil: until, bumpSessionVersion: true });
      await tx.loginChallenge.updateMany({
        where: { ...principals.ref(o.kind, principal.id), consumedAt: null, invalidatedAt: null },
        data: { invalidatedAt: o.now },
      });
      await tx.authSession.updateMany({ where: { ...principals.ref(o.kind, principal.id), revokedAt: null }, data: { revokedAt: o.now } });
      await audit(tx, { type: "LOCKOUT", actor: "system", at: o.now, ...who(principal), client: o.client, details: { until: until.toISOString(), nth } });
      const mail = lockoutEmail({ locale: principal.locale, name: principal.loginId, until });
      await enqueueEmail(tx, { kind: "LOCKOUT", to: principal.email, ...mail, ...principals.ref(o.kind, principal.id) }, o.now);
    });
    throw new AppError("INVALID_CREDENTIALS");
  }

  const code = generateCode();
  const codeHash = await hashSecret(code);
  const expiresAt = new Date(o.now.getTime() + CODE_TTL_MS);
  const locale = o.kind === "customer" && o.locale ? o.locale : principal.locale;
  const challengeId = await prisma.$transaction(async (tx) => {
    await principals.update(tx, o.kind, principal.id, { failedLoginCount: 0 });
    if (locale !== principal.locale) await tx.customer.update({ where: { id: principal.id }, data: { locale } });
    // One open challenge per account: an older browser's half-finished sign-in ends here.
    await tx.loginChallenge.updateMany({
      where: { ...principals.ref(o.kind, principal.id), consumedAt: null, invalidatedAt: null },
      data: { invalidatedAt: o.now },
    });
    const challenge = await tx.loginChallenge.create({
      data: { ...principals.ref(o.kind, principal.id), codeHash, expiresAt, lastSentAt: o.now },
    });
    await audit(tx, { type: "LOGIN_PASSWORD_OK", actor, at: o.now, ...who(principal), client: o.client, details: { challengeId: challenge.id } });
    await audit(tx, { type: "CODE_SENT", actor: "system", at: o.now, ...who(principal), client: o.client, details: { challengeId: challenge.id, to: maskEmail(principal.email), resend: false } });
    const mail = codeEmail({ locale, name: principal.loginId, code, expiresAt });
    await enqueueEmail(tx, { kind: "LOGIN_CODE", to: principal.email, ...mail, sensitive: true, ...principals.ref(o.kind, principal.id) }, o.now);
    return challenge.id;
  });
  return { challengeId, maskedEmail: maskEmail(principal.email), expiresAt };
}

async function loadChallenge(challengeId: string) {
  const challenge = await db().loginChallenge.findUnique({ where: { id: challengeId } });
  if (!challenge) return null;
  const kind: PrincipalKind = challenge.customerId ? "customer" : "staff";
  const principal = await principals.byId(db(), kind, (challenge.customerId ?? challenge.staffUserId)!);
  return principal ? { challenge, principal } : null;
}

/** What the code screen shows about an open challenge (null when it is no longer usable). */
export async function describeChallenge(challengeId: string, now: Date): Promise<{ maskedEmail: string; expiresAt: Date; kind: PrincipalKind; state: ReturnType<typeof challengeState> } | null> {
  const found = await loadChallenge(challengeId);
  if (!found) return null;
  return { maskedEmail: maskEmail(found.principal.email), expiresAt: found.challenge.expiresAt, kind: found.principal.kind, state: challengeState(found.challenge, now) };
}

/**
 * Step 2: the emailed code. A right code on an open challenge consumes it (once, even under
 * concurrent tries) and opens a server-side session; wrong codes count against the challenge.
 */
export async function verifyCode(o: { challengeId: string; code: string; now: Date; client: ClientInfo }): Promise<{
  sessionId: string;
  kind: PrincipalKind;
  principalId: string;
  sessionVersion: number;
}> {
  const prisma = db();
  const found = await loadChallenge(o.challengeId);
  if (!found) throw new AppError("CHALLENGE_DEAD");
  const { challenge, principal } = found;
  const base = { actor: "anonymous" as const, at: o.now, ...who(principal), client: o.client };

  const state = challengeState(challenge, o.now);
  if (state !== "open" || isLocked(principal.lockedUntil, o.now)) {
    await audit(prisma, { ...base, type: "CODE_FAILED", details: { challengeId: challenge.id, reason: state === "open" ? "locked" : state } });
    throw new AppError(state === "expired" ? "CODE_EXPIRED" : "CHALLENGE_DEAD");
  }

  // Spend one attempt atomically *before* checking the hash, so that simultaneous guesses can never
  // be checked more than CODE_MAX_ATTEMPTS times in all.
  const reserved = await prisma.loginChallenge.updateMany({
    where: { id: challenge.id, consumedAt: null, invalidatedAt: null, attempts: { lt: CODE_MAX_ATTEMPTS }, expiresAt: { gt: o.now } },
    data: { attempts: { increment: 1 } },
  });
  if (reserved.count !== 1) {
    await audit(prisma, { ...base, type: "CODE_FAILED", details: { challengeId: challenge.id, reason: "dead" } });
    throw new AppError("CHALLENGE_DEAD");
  }

  if (!(await verifySecret(challenge.codeHash, o.code))) {
    const { attempts } = await prisma.loginChallenge.findUniqueOrThrow({ where: { id: challenge.id }, select: { attempts: true } });
    await audit(prisma, { ...base, type: "CODE_FAILED", details: { challengeId: challenge.id, reason: "wrong_code", attempts } });
    throw new AppError(attempts >= CODE_MAX_ATTEMPTS ? "CHALLENGE_DEAD" : "CODE_INVALID");
  }

  return prisma.$transaction(async (tx) => {
    // This try's attempt is already spent; the hash must still be the one checked (no resend since).
    const consumed = await tx.loginChallenge.updateMany({
      where: { id: challenge.id, codeHash: challenge.codeHash, consumedAt: null, invalidatedAt: null, expiresAt: { gt: o.now } },
      data: { consumedAt: o.now },
    });
    if (consumed.count !== 1) throw new AppError("CHALLENGE_DEAD");
    await principals.update(tx, principal.kind, principal.id, { lockoutCount: 0 });
    const session = await tx.authSession.create({ data: { ...principals.ref(principal.kind, principal.id), createdAt: o.now, lastSeenAt: o.now } });
    await audit(tx, { ...base, actor: actorOf(principal.kind), type: "LOGIN_SUCCESS", details: { challengeId: challenge.id, sessionId: session.id } });
    return { sessionId: session.id, kind: principal.kind, principalId: principal.id, sessionVersion: principal.sessionVersion };
  });
}

/**
 * A new code for an open (or merely expired) challenge: at most one per minute and five per hour
 * per account. The challenge's failure count is kept: a new code buys no extra guesses.
 */
export async function resendCode(o: { challengeId: string; now: Date; client: ClientInfo }): Promise<{ maskedEmail: string; expiresAt: Date }> {
  const prisma = db();
  const found = await loadChallenge(o.challengeId);
  if (!found) throw new AppError("CHALLENGE_DEAD");
  const { challenge, principal } = found;
  const state = challengeState(challenge, o.now);
  if (state === "consumed" || state === "dead" || isLocked(principal.lockedUntil, o.now)) throw new AppError("CHALLENGE_DEAD");
  if (o.now.getTime() - challenge.lastSentAt.getTime() < RESEND_SPACING_MS) throw new AppError("RESEND_TOO_SOON");
  await consume(prisma, "resend", `${principal.kind}:${principal.id}`);

  const code = generateCode();
  const codeHash = await hashSecret(code);
  const expiresAt = new Date(o.now.getTime() + CODE_TTL_MS);
  await prisma.$transaction(async (tx) => {
    const updated = await tx.loginChallenge.updateMany({
      where: { id: challenge.id, consumedAt: null, invalidatedAt: null, lastSentAt: challenge.lastSentAt },
      data: { codeHash, expiresAt, lastSentAt: o.now, sendCount: { increment: 1 } },
    });
    if (updated.count !== 1) throw new AppError("RESEND_TOO_SOON");
    await audit(tx, { type: "CODE_SENT", actor: "system", at: o.now, ...who(principal), client: o.client, details: { challengeId: challenge.id, to: maskEmail(principal.email), resend: true } });
    const mail = codeEmail({ locale: principal.locale, name: principal.loginId, code, expiresAt });
    await enqueueEmail(tx, { kind: "LOGIN_CODE", to: principal.email, ...mail, sensitive: true, ...principals.ref(principal.kind, principal.id) }, o.now);
  });
  return { maskedEmail: maskEmail(principal.email), expiresAt };
}
