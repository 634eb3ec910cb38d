import { hash, verify } from "@node-rs/argon2";

// OWASP's minimum for argon2id: 19 MiB of memory, 2 iterations, 1 lane.
export const ARGON2_OPTIONS = { algorithm: 2 /* Algorithm.Argon2id (a const enum) */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** argon2id hash of a secret (self-care password, line password, code). */
export function hashSecret(secret: string): Promise<string> {
  return hash(secret, ARGON2_OPTIONS);
}

/** Constant-time check of a secret against its argon2 hash; false for a malformed hash. */
export async function verifySecret(hashed: string, secret: string): Promise<boolean> {
  try {
    return await verify(hashed, secret);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;

/** Spends the same time as a real check, for an unknown ID (no faster answer). */
export async function verifyAgainstDummy(secret: string): Promise<false> {
  dummy ??= hashSecret("dummy-password-for-timing");
  await verifySecret(await dummy, secret);
  return false;
}
