import type { Tx } from "../db";
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
  lockoutCount: number;
  lockedUntil: Date | null;
  sessionVersion: number;
}

type Counters = Partial<Pick<Principal, "failedLoginCount" | "lockoutCount" | "lockedUntil">> & { bumpSessionVersion?: boolean };

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
   * Adds one failed password atomically unless the account is locked at `now` (then null). The
   * counters returned are read under this transaction's row lock, so they are current.
   */
  async addFailure(tx: Tx, kind: PrincipalKind, id: string, now: Date): Promise<{ failedLoginCount: number; lockoutCount: number } | null> {
    const where = { id, OR: [{ lockedUntil: null }, { lockedUntil: { lte: now } }] };
    const data = { failedLoginCount: { increment: 1 } };
    const r = kind === "customer" ? await tx.customer.updateMany({ where, data }) : await tx.staffUser.updateMany({ where, data });
    if (r.count === 0) return null;
    const row = await principals.byId(tx, kind, id);
    return row && { failedLoginCount: row.failedLoginCount, lockoutCount: row.lockoutCount };
  },

  async update(tx: Tx, kind: PrincipalKind, id: string, counters: Counters): Promise<void> {
    const { bumpSessionVersion, ...rest } = counters;
    const data = { ...rest, ...(bumpSessionVersion ? { sessionVersion: { increment: 1 } } : {}) };
    if (kind === "customer") await tx.customer.update({ where: { id }, data });
    else await tx.staffUser.update({ where: { id }, data });
  },

  /** The foreign-key column naming this principal in challenges, sessions and outbox rows. */
  ref(kind: PrincipalKind, id: string): { customerId: string | null; staffUserId: string | null } {
    return kind === "customer" ? { customerId: id, staffUserId: null } : { customerId: null, staffUserId: id };
  },
};
