import { sqlIn, type Tx } from "../db";
import type { Locale } from "../format";

/** Customers and staff sign in the same way; this is the little that differs between them. */
export type PrincipalKind = "customer" | "staff";

export interface Principal {
  kind: PrincipalKind;
  id: string;
  loginId: string;
  email: string;
  locale: Locale;
  passwordHash: string;
  failedLoginCount: number;
  failedCodeCount: number;
  lockoutCount: number;
  lockedUntil: Date | null;
  sessionVersion: number;
}

type Counters = Partial<Pick<Principal, "failedLoginCount" | "failedCodeCount" | "lockoutCount" | "lockedUntil">> & { bumpSessionVersion?: boolean };

/** Which per-account failure counter a guess is charged to. */
export type GuessKind = "password" | "code";

/** The counters of an account, read under its row lock. */
export interface LockState {
  failedLoginCount: number;
  failedCodeCount: number;
  lockoutCount: number;
  lockedUntil: Date | null;
}

const TABLE: Record<PrincipalKind, string> = { customer: '"Customer"', staff: '"StaffUser"' };

/**
 * An id no account has. Paths without an account (an unknown ID) run the same statements against
 * it as the paths with one, so they cost the same database round trips (docs/security.md, timing).
 */
export const PHANTOM_ID = "00000000-0000-4000-8000-000000000000";

const asLocale = (v: string | undefined): Locale => (v === "en" ? "en" : "ja");

export const principals = {
  async find(tx: Tx, kind: PrincipalKind, loginId: string): Promise<Principal | null> {
    if (kind === "customer") {
      const c = await tx.customer.findUnique({ where: { selfcareId: loginId } });
      return c && { kind, ...c, loginId: c.selfcareId, locale: asLocale(c.locale) };
    }
    const s = await tx.staffUser.findUnique({ where: { loginId } });
    return s && { kind, ...s, locale: "ja" };
  },

  async byId(tx: Tx, kind: PrincipalKind, id: string): Promise<Principal | null> {
    if (kind === "customer") {
      const c = await tx.customer.findUnique({ where: { id } });
      return c && { kind, ...c, loginId: c.selfcareId, locale: asLocale(c.locale) };
    }
    const s = await tx.staffUser.findUnique({ where: { id } });
    return s && { kind, ...s, locale: "ja" };
  },

  /**
   * Reserves one guess before it is evaluated: the guess is counted as failed up front, atomically,
   * unless the account is locked at `now` or already has `limit` counted failures (then false, and
   * the guess must not be evaluated). So however many guesses arrive at once, at most `limit` of them
   * are ever checked before the account locks; a right one gives its point back when it is found right.
   */
  async reserveGuess(tx: Tx, kind: PrincipalKind, id: string, guess: GuessKind, limit: number, now: Date): Promise<boolean> {
    const notLocked = { OR: [{ lockedUntil: null }, { lockedUntil: { lte: now } }] };
    const r =
      guess === "password"
        ? kind === "customer"
          ? await tx.customer.updateMany({ where: { id, failedLoginCount: { lt: limit }, ...notLocked }, data: { failedLoginCount: { increment: 1 } } })
          : await tx.staffUser.updateMany({ where: { id, failedLoginCount: { lt: limit }, ...notLocked }, data: { failedLoginCount: { increment: 1 } } })
        : kind === "customer"
          ? await tx.customer.updateMany({ where: { id, failedCodeCount: { lt: limit }, ...notLocked }, data: { failedCodeCount: { increment: 1 } } })
          : await tx.staffUser.updateMany({ where: { id, failedCodeCount: { lt: limit }, ...notLocked }, data: { failedCodeCount: { increment: 1 } } });
    return r.count === 1;
  },

  /** The account's counters under a row lock (for the rest of the transaction), or null for no such account. */
  async lockState(tx: Tx, kind: PrincipalKind, id: string): Promise<LockState | null> {
    const rows = await sqlIn(tx)<LockState>(`SELECT "failedLoginCount", "failedCodeCount", "lockoutCount", "lockedUntil" FROM ${TABLE[kind]} WHERE id = $1::uuid FOR UPDATE`, [id]);
    const row = rows[0];
    return row ? { ...row, lockedUntil: row.lockedUntil ? new Date(row.lockedUntil) : null } : null;
  },

  async update(tx: Tx, kind: PrincipalKind, id: string, counters: Counters): Promise<void> {
    const { bumpSessionVersion, ...rest } = counters;
    const data = { ...rest, ...(bumpSessionVersion ? { sessionVersion: { increment: 1 } } : {}) };
    if (kind === "customer") await tx.customer.update({ where: { id }, data });
    else await tx.staffUser.update({ where: { id }, data });
  },

  /**
   * Sets the named counters to 0, writing the row only when one of them is not 0 already (a
   * completed sign-in with nothing to forget leaves the row, its index entries and WAL alone).
   */
  async resetCounters(tx: Tx, kind: PrincipalKind, id: string, fields: ("failedLoginCount" | "failedCodeCount" | "lockoutCount")[]): Promise<void> {
    const data = Object.fromEntries(fields.map((f) => [f, 0]));
    const where = { id, OR: fields.map((f) => ({ [f]: { not: 0 } })) };
    if (kind === "customer") await tx.customer.updateMany({ where, data });
    else await tx.staffUser.updateMany({ where, data });
  },

  /** The foreign-key column naming this principal in challenges, sessions and outbox rows. */
  ref(kind: PrincipalKind, id: string): { customerId: string | null; staffUserId: string | null } {
    return kind === "customer" ? { customerId: id, staffUserId: null } : { customerId: null, staffUserId: id };
  },
};
