import { audit, type ClientInfo } from "../audit";
import type { Database, PrismaClient, Tx } from "../db";
import { AppError } from "../errors";
import type { Locale } from "../format";
import { enqueueEmail } from "../mail/outbox";
import { codeEmail, lockoutEmail } from "../mail/templates";
import { CODE_MAX_ATTEMPTS, CODE_TTL_MS, challengeState, generateCode, maskEmail } from "./codes";
import { CODE_FAILURES_TO_LOCK, LOGIN_FAILURES_TO_LOCK, isLocked, lockoutDurationMs } from "./lockout";
import { hashSecret, verifyAgainstDummy, verifySecret } from "./password";
import { PHANTOM_ID, principals, type LockState, type Principal, type PrincipalKind } from "./principals";
import { consume } from "./rate-limit";
import { isUuid } from "../validation/ids";


/** The minimum spacing of two code emails for one challenge. */
export const RESEND_SPACING_MS = 60_000;

const actorOf = (kind: PrincipalKind) => (kind === "customer" ? "customer" : "staff");
const who = (p: Principal) => (p.kind === "customer" ? { selfcareId: p.loginId, customerId: p.id } : { selfcareId: p.loginId, staffUserId: p.id });

/**
 * Locks an account (inside the caller's transaction, with the row already locked by lockState):
 * counters reset, session version bumped, open challenges invalidated, sessions revoked, audited and
 * an email queued. `cause` says which limit was reached.
 */
async function lockAccount(tx: Tx, principal: Principal, state: LockState, o: { now: Date; client: ClientInfo }, cause: "passwords" | "codes"): Promise<void> {
  const nth = state.lockoutCount + 1;
  const until = new Date(o.now.getTime() + lockoutDurationMs(nth));
  await principals.update(tx, principal.kind, principal.id, { failedLoginCount: 0, failedCodeCount: 0, lockoutCount: nth, lockedUntil: until, bumpSessionVersion: true });
  await tx.loginChallenge.updateMany({
    where: { ...principals.ref(principal.kind, principal.id), consumedAt: null, invalidatedAt: null },
    data: { invalidatedAt: o.now },
  });
  await tx.authSession.updateMany({ where: { ...principals.ref(principal.kind, principal.id), revokedAt: null }, data: { revokedAt: o.now } });
  await audit(tx, { type: "LOCKOUT", actor: "system", at: o.now, ...who(principal), client: o.client, details: { until: until.toISOString(), nth, cause } });
  const mail = lockoutEmail({ locale: principal.locale, name: principal.loginId, until });
  await enqueueEmail(tx, { kind: "LOCKOUT", to: principal.email, ...mail, ...principals.ref(principal.kind, principal.id) }, o.now);
}

/**
 * Step 1 of sign-in: the ID and password. On success a login challenge is opened and its code is
 * emailed (via the outbox, in the same transaction). An unknown ID, a wrong password and a locked
 * account all fail with INVALID_CREDENTIALS after the same work: one reservation statement, one
 * argon2 verification, one transaction that reads the account under a row lock and writes the audit row.
 *
 * The limit is atomic: a guess is counted as failed *before* its password is checked (see
 * principals.reserveGuess), so of any number of simultaneous guesses at most LOGIN_FAILURES_TO_LOCK
 * are evaluated before the lock, and a guess that could not be reserved (locked, or the limit taken
 * by guesses in flight) is never checked at all: right and wrong answer alike.
 */
export async function startLogin(database: Database, o: {
  kind: PrincipalKind;
  loginId: string;
  password: string;
  now: Date;
  client: ClientInfo;
  /** The language the customer is using; their emails follow it from now on. */
  locale?: Locale;
}): Promise<{ challengeId: string; maskedEmail: string; expiresAt: Date }> {
  const prisma = database.prisma;
  if (o.client.ip) await consume(prisma, "login-ip", o.client.ip);
  const principal = await principals.find(prisma, o.kind, o.loginId);
  const actor = actorOf(o.kind);

  // The same statements whether or not the account exists (an unknown ID runs them on PHANTOM_ID).
  const reserved = await principals.reserveGuess(prisma, o.kind, principal?.id ?? PHANTOM_ID, "password", LOGIN_FAILURES_TO_LOCK, o.now);
  const passwordOk = principal && reserved ? await verifySecret(principal.passwordHash, o.password) : await verifyAgainstDummy(o.password);

  if (!principal || !reserved || !passwordOk) {
    await prisma.$transaction(async (tx) => {
      const state = await principals.lockState(tx, o.kind, principal?.id ?? PHANTOM_ID);
      if (!principal || !state) {
        await audit(tx, { type: "LOGIN_FAILED", actor: "anonymous", at: o.now, selfcareId: o.loginId, client: o.client, details: { reason: "unknown_id", kind: o.kind } });
        return;
      }
      if (!reserved) {
        // Locked, or the limit is taken by guesses in flight: not evaluated, not counted.
        await audit(tx, { type: "LOGIN_FAILED", actor, at: o.now, ...who(principal), client: o.client, details: { reason: "locked" } });
        return;
      }
      await audit(tx, { type: "LOGIN_FAILED", actor, at: o.now, ...who(principal), client: o.client, details: { reason: "wrong_password", consecutive: state.failedLoginCount } });
      if (!isLocked(state.lockedUntil, o.now) && state.failedLoginCount >= LOGIN_FAILURES_TO_LOCK) await lockAccount(tx, principal, state, o, "passwords");
    });
    throw new AppError("INVALID_CREDENTIALS");
  }

  const code = generateCode();
  const codeHash = await hashSecret(code);
  const expiresAt = new Date(o.now.getTime() + CODE_TTL_MS);
  const locale = o.kind === "customer" && o.locale ? o.locale : principal.locale;
  const challengeId = await prisma.$transaction(async (tx) => {
    // The right password counts only while the account is still unlocked (a simultaneous wrong
    // guess may have locked it since the reservation): a locked account answers as for a wrong one.
    const state = await principals.lockState(tx, o.kind, principal.id);
    if (!state || isLocked(state.lockedUntil, o.now)) {
      await audit(tx, { type: "LOGIN_FAILED", actor, at: o.now, ...who(principal), client: o.client, details: { reason: "locked" } });
      return null;
    }
    await principals.resetCounters(tx, o.kind, principal.id, ["failedLoginCount"]);
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
  if (!challengeId) throw new AppError("INVALID_CREDENTIALS");
  return { challengeId, maskedEmail: maskEmail(principal.email), expiresAt };
}

async function loadChallenge(prisma: PrismaClient, challengeId: string) {
  if (!isUuid(challengeId)) return null;
  const challenge = await prisma.loginChallenge.findUnique({ where: { id: challengeId } });
  if (!challenge) return null;
  const kind: PrincipalKind = challenge.customerId ? "customer" : "staff";
  const principal = await principals.byId(prisma, kind, (challenge.customerId ?? challenge.staffUserId)!);
  return principal ? { challenge, principal } : null;
}

/**
 * What the code screen shows about a challenge (null when there is none): where the code went, its
 * expiry, how many wrong codes may still be entered (on this challenge and on the account, whichever
 * ends first) and when "resend" is allowed again.
 */
export async function describeChallenge(
  database: Database,
  challengeId: string,
  now: Date,
): Promise<{ maskedEmail: string; expiresAt: Date; kind: PrincipalKind; state: ReturnType<typeof challengeState>; attemptsLeft: number; resendAt: Date } | null> {
  const found = await loadChallenge(database.prisma, challengeId);
  if (!found) return null;
  const { challenge, principal } = found;
  return {
    maskedEmail: maskEmail(principal.email),
    expiresAt: challenge.expiresAt,
    kind: principal.kind,
    state: challengeState(challenge, now),
    attemptsLeft: Math.max(0, Math.min(CODE_MAX_ATTEMPTS - challenge.attempts, CODE_FAILURES_TO_LOCK - principal.failedCodeCount)),
    resendAt: new Date(challenge.lastSentAt.getTime() + RESEND_SPACING_MS),
  };
}

/**
 * Step 2: the emailed code. A right code on an open challenge consumes it (once, even under
 * concurrent tries) and opens a server-side session; wrong codes count against the challenge.
 */
export async function verifyCode(database: Database, o: { challengeId: string; code: string; now: Date; client: ClientInfo }): Promise<{
  sessionId: string;
  kind: PrincipalKind;
  principalId: string;
  sessionVersion: number;
}> {
  const prisma = database.prisma;
  const found = await loadChallenge(prisma, o.challengeId);
  if (!found) throw new AppError("CHALLENGE_DEAD");
  const { challenge, principal } = found;
  const base = { actor: "anonymous" as const, at: o.now, ...who(principal), client: o.client };

  const state = challengeState(challenge, o.now);
  if (state !== "open" || isLocked(principal.lockedUntil, o.now)) {
    await audit(prisma, { ...base, type: "CODE_FAILED", details: { challengeId: challenge.id, reason: state === "open" ? "locked" : state } });
    throw new AppError(state === "expired" ? "CODE_EXPIRED" : "CHALLENGE_DEAD");
  }

  // Spend one attempt atomically *before* checking the hash, on the challenge (CODE_MAX_ATTEMPTS) and
  // on the account (CODE_FAILURES_TO_LOCK over all its challenges), so that simultaneous guesses
  // and fresh challenges opened with a known password can never be checked more often than that.
  // Rows are always locked account first, then challenge (as in every other transaction here), so
  // simultaneous reservations and sign-ins never deadlock.
  const reserved = await prisma.$transaction(async (tx) => {
    if (!(await principals.reserveGuess(tx, principal.kind, principal.id, "code", CODE_FAILURES_TO_LOCK, o.now))) return false;
    const onChallenge = await tx.loginChallenge.updateMany({
      where: { id: challenge.id, consumedAt: null, invalidatedAt: null, attempts: { lt: CODE_MAX_ATTEMPTS }, expiresAt: { gt: o.now } },
      data: { attempts: { increment: 1 } },
    });
    if (onChallenge.count === 1) return true;
    // The challenge is spent: give the account's point back (roll the transaction back).
    throw new NotReserved();
  }).catch((error: unknown) => {
    if (error instanceof NotReserved) return false;
    throw error;
  });
  if (!reserved) {
    await audit(prisma, { ...base, type: "CODE_FAILED", details: { challengeId: challenge.id, reason: "dead" } });
    throw new AppError("CHALLENGE_DEAD");
  }

  if (!(await verifySecret(challenge.codeHash, o.code))) {
    const lockedNow = await prisma.$transaction(async (tx) => {
      const state = await principals.lockState(tx, principal.kind, principal.id);
      const { attempts } = await tx.loginChallenge.findUniqueOrThrow({ where: { id: challenge.id }, select: { attempts: true } });
      await audit(tx, { ...base, type: "CODE_FAILED", details: { challengeId: challenge.id, reason: "wrong_code", attempts, accountFailures: state?.failedCodeCount ?? 0 } });
      if (!state) return true;
      if (isLocked(state.lockedUntil, o.now)) return true;
      if (state.failedCodeCount >= CODE_FAILURES_TO_LOCK) {
        await lockAccount(tx, principal, state, o, "codes");
        return true;
      }
      return attempts >= CODE_MAX_ATTEMPTS;
    });
    throw new AppError(lockedNow ? "CHALLENGE_DEAD" : "CODE_INVALID");
  }

  return prisma.$transaction(async (tx) => {
    // The account must still be unlocked (a simultaneous wrong code may have locked it).
    const state = await principals.lockState(tx, principal.kind, principal.id);
    if (!state || isLocked(state.lockedUntil, o.now)) throw new AppError("CHALLENGE_DEAD");
    // This try's attempt is already spent; the hash must still be the one checked (no resend since).
    const consumed = await tx.loginChallenge.updateMany({
      where: { id: challenge.id, codeHash: challenge.codeHash, consumedAt: null, invalidatedAt: null, expiresAt: { gt: o.now } },
      data: { consumedAt: o.now },
    });
    if (consumed.count !== 1) throw new AppError("CHALLENGE_DEAD");
    // A completed sign-in: the escalation and both failure counters start over.
    await principals.resetCounters(tx, principal.kind, principal.id, ["lockoutCount", "failedCodeCount", "failedLoginCount"]);
    const session = await tx.authSession.create({ data: { ...principals.ref(principal.kind, principal.id), createdAt: o.now, lastSeenAt: o.now } });
    await audit(tx, { ...base, actor: actorOf(principal.kind), type: "LOGIN_SUCCESS", details: { challengeId: challenge.id, sessionId: session.id } });
    return { sessionId: session.id, kind: principal.kind, principalId: principal.id, sessionVersion: principal.sessionVersion };
  });
}

/** Thrown inside the reservation transaction to roll back the challenge's attempt. */
class NotReserved extends Error {}

/**
 * A new code for an open (or merely expired) challenge: at most one per minute and five per hour
 * per account. The challenge's failure count is kept: a new code buys no extra guesses.
 */
export async function resendCode(database: Database, o: { challengeId: string; now: Date; client: ClientInfo }): Promise<{ maskedEmail: string; expiresAt: Date }> {
  const prisma = database.prisma;
  const found = await loadChallenge(prisma, o.challengeId);
  if (!found) throw new AppError("CHALLENGE_DEAD");
  const { challenge, principal } = found;
  const state = challengeState(challenge, o.now);
  if (state === "consumed" || state === "dead" || isLocked(principal.lockedUntil, o.now)) throw new AppError("CHALLENGE_DEAD");
  if (o.now.getTime() - challenge.lastSentAt.getTime() < RESEND_SPACING_MS) throw new AppError("RESEND_TOO_SOON");
  // Claim the send slot first (compare-and-set on lastSentAt), and only then spend a point of the
  // hourly allowance: of simultaneous resends one wins the slot, the others are "too soon" and cost nothing.
  const claimed = await prisma.loginChallenge.updateMany({
    where: { id: challenge.id, consumedAt: null, invalidatedAt: null, lastSentAt: challenge.lastSentAt },
    data: { lastSentAt: o.now },
  });
  if (claimed.count !== 1) throw new AppError("RESEND_TOO_SOON");
  try {
    await consume(prisma, "resend", `${principal.kind}:${principal.id}`);
  } catch (error) {
    // No point left: give the slot back, so the refusal changes nothing.
    await prisma.loginChallenge.updateMany({ where: { id: challenge.id, lastSentAt: o.now }, data: { lastSentAt: challenge.lastSentAt } });
    throw error;
  }

  const code = generateCode();
  const codeHash = await hashSecret(code);
  const expiresAt = new Date(o.now.getTime() + CODE_TTL_MS);
  await prisma.$transaction(async (tx) => {
    const updated = await tx.loginChallenge.updateMany({
      where: { id: challenge.id, consumedAt: null, invalidatedAt: null, lastSentAt: o.now },
      data: { codeHash, expiresAt, sendCount: { increment: 1 } },
    });
    if (updated.count !== 1) throw new AppError("RESEND_TOO_SOON");
    await audit(tx, { type: "CODE_SENT", actor: "system", at: o.now, ...who(principal), client: o.client, details: { challengeId: challenge.id, to: maskEmail(principal.email), resend: true } });
    const mail = codeEmail({ locale: principal.locale, name: principal.loginId, code, expiresAt });
    await enqueueEmail(tx, { kind: "LOGIN_CODE", to: principal.email, ...mail, sensitive: true, ...principals.ref(principal.kind, principal.id) }, o.now);
  });
  return { maskedEmail: maskEmail(principal.email), expiresAt };
}
