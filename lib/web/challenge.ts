import "server-only";
import { cookies } from "next/headers";
import { challengeIdFromCookie } from "../auth/challenge-cookie";
import { describeChallenge } from "../auth/login";
import { cookieNames } from "../auth/next-auth";
import type { Audience } from "./audience";
import { requestContext } from "./request";

/** The code challenge this browser holds for `audience`, if it can still take a code (or a resend). */
export async function usableChallenge(audience: Audience): Promise<{ maskedEmail: string; expiresAt: Date } | null> {
  const challengeId = challengeIdFromCookie((await cookies()).get(cookieNames().challenge)?.value);
  if (!challengeId) return null;
  const { now } = await requestContext();
  const challenge = await describeChallenge(challengeId, now);
  const usable = challenge && challenge.kind === audience && (challenge.state === "open" || challenge.state === "expired");
  return usable ? { maskedEmail: challenge.maskedEmail, expiresAt: challenge.expiresAt } : null;
}
