import type { NextAuthOptions } from "next-auth";
import type { ClientInfo } from "../audit";
import CredentialsProvider from "next-auth/providers/credentials";
import { clock } from "../clock";
import { isProduction } from "../env";
import { isAppError } from "../errors";
import { log } from "../log";
import { secrets } from "../secrets";
import { verifyCode } from "./login";
import type { PrincipalKind } from "./principals";
import { codeSchema } from "./schemas";
import { endSession, SESSION_ABSOLUTE_MS } from "./session";
import { isUuid } from "../validation/ids";
import { database } from "../db";
import { safeReturnPath } from "../web/return-path";

/** Cookie names: `__Secure-`/`__Host-` prefixed in production (HTTPS only there). */
export function cookieNames() {
  const prod = isProduction();
  return {
    session: prod ? "__Secure-selfcare.session" : "selfcare.session",
    challenge: prod ? "__Host-selfcare.challenge" : "selfcare.challenge",
    csrf: prod ? "__Host-selfcare.csrf" : "selfcare.csrf",
    callback: prod ? "__Secure-selfcare.callback" : "selfcare.callback",
  };
}

/**
 * What signing in needs of the request being answered (lib/web/challenge.ts `signInRequest` reads it
 * once, through the same request context as every page and action): its time, its client, and the
 * challenge its signed cookie names.
 */
export interface SignInRequest {
  now: Date;
  client: ClientInfo;
  challengeId: string | null;
}

declare module "next-auth/jwt" {
  interface JWT {
    sid?: string;
    kind?: PrincipalKind;
    sv?: number;
  }
}

/**
 * next-auth (v4) issues the session only after the emailed code: its Credentials provider takes
 * the code, reads the challenge from this browser's httpOnly cookie and verifies both. The JWT
 * names a server-side session row (lib/auth/session.ts), which carries idle, absolute and
 * revocation checks.
 */
export function authOptions(signInRequest: () => Promise<SignInRequest>): NextAuthOptions {
  const prod = isProduction();
  const names = cookieNames();
  const cookie = (name: string, httpOnly = true) => ({ name, options: { httpOnly, sameSite: "lax" as const, path: "/", secure: prod } });
  return {
    secret: secrets().sessionSecret,
    session: { strategy: "jwt", maxAge: SESSION_ABSOLUTE_MS / 1000 },
    jwt: { maxAge: SESSION_ABSOLUTE_MS / 1000 },
    useSecureCookies: prod,
    cookies: {
      sessionToken: cookie(names.session),
      csrfToken: cookie(names.csrf),
      callbackUrl: cookie(names.callback),
    },
    pages: { signIn: "/login", error: "/login" },
    logger: {
      error: (code) => log.error({ code }, "next-auth error"),
      warn: (code) => log.warn({ code }, "next-auth warning"),
      debug: () => undefined,
    },
    providers: [
      CredentialsProvider({
        id: "code",
        name: "code",
        credentials: { code: { label: "code", type: "text" } },
        async authorize(credentials) {
          const parsed = codeSchema.safeParse({ code: credentials?.code });
          if (!parsed.success) throw new Error("CODE_FORMAT");
          const { challengeId, now, client } = await signInRequest();
          if (!challengeId) throw new Error("CHALLENGE_DEAD");
          try {
            const s = await verifyCode(database(), { challengeId, code: parsed.data.code, now, client });
            return { id: s.sessionId, kind: s.kind, sv: s.sessionVersion };
          } catch (error) {
            if (isAppError(error)) throw new Error(error.code);
            log.error({ err: error }, "code verification failed");
            throw new Error("UNEXPECTED");
          }
        },
      }),
    ],
    // The route handler keeps next-auth's sign-out endpoint closed; should a sign-out ever run, it ends
    // the server-side session too, not only the cookie.
    events: {
      async signOut({ token }) {
        if (token?.sid && isUuid(token.sid)) await endSession(database(), { sessionId: token.sid, now: clock.now(), client: { ip: null, userAgent: null } });
      },
    },
    callbacks: {
      // Where next-auth sends the browser after the code: a known page of this site, or the top page.
      redirect({ url, baseUrl }) {
        let path = "/";
        try {
          const u = new URL(url, baseUrl);
          if (u.origin === new URL(baseUrl).origin) path = u.pathname + u.search;
        } catch {
          // not a URL: the top page
        }
        return new URL(safeReturnPath(path, "/"), baseUrl).toString();
      },
      jwt({ token, user }) {
        if (user) {
          const u = user as unknown as { id: string; kind: PrincipalKind; sv: number };
          token.sid = u.id;
          token.kind = u.kind;
          token.sv = u.sv;
        }
        return token;
      },
      // Nothing about the session is handed to browser scripts beyond its kind.
      session({ session, token }) {
        return { expires: session.expires, user: { name: token.kind ?? null } };
      },
    },
  };
}
