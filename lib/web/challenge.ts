import "server-only";
import { cookies } from "next/headers";
import { challengeIdFromCookie } from "../auth/challenge-cookie";
import { describeChallenge } from "../auth/login";
import { cookieNames, type SignInRequest } from "../auth/next-auth";
import type { Audience } from "./audience";
import { requestContext } from "./request";

/** The challenge this request's signed cookie names, or null. */
async function requestChallengeId(): Promise<string | null> {
  return challengeIdFromCookie((await cookies()).get(cookieNames().challenge)?.value);
}

/** What next-auth's code sign-in needs of this request (lib/auth/next-auth.ts `authorize`). */
export async function signInRequest(): Promise<SignInRequest> {
  const [{ now, client }, challengeId] = await Promise.all([requestContext(), requestChallengeId()]);
  return { now, client, challengeId };
}

/** The code challenge this browser holds for `audience`, if it can still take a code (or a resend). */
export async function usableChallenge(audience: Audience): Promise<{ maskedEmail: string; expiresAt: Date } | null> {
  const challengeId = await requestChallengeId();
  if (!challengeId) return null;
  const { now } = await requestContext();
  const challenge = await describeChallenge(challengeId, now);
  const usable = challenge && challenge.kind === audience && (challenge.state === "open" || challenge.state === "expired");
  return usable ? { maskedEmail: challenge.maskedEmail, expiresAt: challenge.expiresAt } : null;
}
