import "server-only";
import { cookies } from "next/headers";
import { challengeIdFromCookie } from "../auth/challenge-cookie";
import { describeChallenge } from "../auth/login";
import { cookieNames, type SignInRequest } from "../auth/next-auth";
import { redirect } from "next/navigation";
import { AUDIENCES, type Audience } from "./audience";
import { currentSession } from "./session";
import { requestContext } from "./request";
import { database } from "@/lib/db";

/** The challenge this request's signed cookie names, or null. */
async function requestChallengeId(): Promise<string | null> {
  return challengeIdFromCookie((await cookies()).get(cookieNames().challenge)?.value);
}

/** What next-auth's code sign-in needs of this request (lib/auth/next-auth.ts `authorize`). */
export async function signInRequest(): Promise<SignInRequest> {
  const [{ now, client }, challengeId] = await Promise.all([requestContext(), requestChallengeId()]);
  return { now, client, challengeId };
}

export interface UsableChallenge {
  maskedEmail: string;
  expiresAt: Date;
  /** Wrong codes that may still be entered (on the challenge and on the account). */
  attemptsLeft: number;
  /** Seconds until a new code may be asked for, by this request's clock. */
  resendInSeconds: number;
}

/**
 * The code challenge this browser holds for `audience`, if it can still take a code (or a resend).
 * None, but signed in already (Back from the menu after signing in): the audience's home instead of
 * a dead end.
 */
export async function usableChallenge(audience: Audience): Promise<UsableChallenge | null> {
  const challengeId = await requestChallengeId();
  const { now } = await requestContext();
  const challenge = challengeId ? await describeChallenge(database(), challengeId, now) : null;
  const usable = challenge && challenge.kind === audience && (challenge.state === "open" || challenge.state === "expired");
  if (!usable) {
    if (await currentSession(audience)) redirect(AUDIENCES[audience].home);
    return null;
  }
  return {
    maskedEmail: challenge.maskedEmail,
    expiresAt: challenge.expiresAt,
    attemptsLeft: challenge.attemptsLeft,
    resendInSeconds: Math.max(0, Math.ceil((challenge.resendAt.getTime() - now.getTime()) / 1000)),
  };
}
