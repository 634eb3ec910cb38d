import { RateLimiterPrisma, RateLimiterRes } from "rate-limiter-flexible";
import type { PrismaClient } from "../db";
import { AppError } from "../errors";

/** Login attempts from one client address: 30 per 15 minutes (docs/security.md). */
export const LOGIN_PER_IP = { points: 30, duration: 15 * 60 } as const;
/** Code resends per account: 5 per hour (the 60-second spacing is checked on the challenge). */
export const RESEND_PER_ACCOUNT = { points: 5, duration: 60 * 60 } as const;

// Counters live in the database (RateLimiterFlexible table), so every process shares them.
function limiter(prisma: PrismaClient, keyPrefix: string, opts: { points: number; duration: number }) {
  return new RateLimiterPrisma({ storeClient: prisma, tableName: "rateLimiterFlexible", keyPrefix, clearExpiredByTimeout: false, ...opts });
}

/** Spends one point of `key`'s budget; throws AppError RATE_LIMITED when it is used up. */
export async function consume(prisma: PrismaClient, name: "login-ip" | "resend", key: string): Promise<void> {
  const opts = name === "login-ip" ? LOGIN_PER_IP : RESEND_PER_ACCOUNT;
  try {
    await limiter(prisma, name, opts).consume(key);
  } catch (error) {
    if (error instanceof RateLimiterRes) throw new AppError("RATE_LIMITED");
    throw error;
  }
}
