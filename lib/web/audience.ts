import type { PrincipalKind } from "../auth/principals";

/**
 * The two audiences that sign in: the same two-step flow (app/_auth/shared.ts, components/LoginForm,
 * components/VerifyScreen), parameterised by where each one's screens live.
 */
export type Audience = PrincipalKind;

export const AUDIENCES = {
  customer: { login: "/login", verify: "/login/verify", home: "/menu" },
  staff: { login: "/staff/login", verify: "/staff/login/verify", home: "/staff" },
} as const satisfies Record<Audience, { login: string; verify: string; home: string }>;
