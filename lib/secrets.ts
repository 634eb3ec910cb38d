import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { env } from "./env";

interface Secrets {
  sessionSecret: string;
  credentialKey: Buffer;
  /** Where the credential key came from: "CREDENTIAL_KEY", or the generated secrets file's path. */
  credentialKeySource: string;
}

let cached: Secrets | undefined;

/**
 * The session secret and the key that seals stored credential material. Production must give
 * both (env.ts refuses to start otherwise); elsewhere they are generated once and kept in
 * DATA_DIR/secrets.json so that sessions and pending changes survive a restart.
 */
export function secrets(): Secrets {
  if (cached) return cached;
  const e = env();
  let sessionSecret = e.NEXTAUTH_SECRET;
  let keyHex = e.CREDENTIAL_KEY;
  const file = path.resolve(e.DATA_DIR, "secrets.json");
  if (!sessionSecret || !keyHex) {
    let stored: { sessionSecret?: string; credentialKey?: string } = {};
    if (existsSync(file)) stored = JSON.parse(readFileSync(file, "utf8")) as typeof stored;
    if (!stored.sessionSecret || !stored.credentialKey) {
      stored = {
        sessionSecret: stored.sessionSecret ?? randomBytes(32).toString("base64url"),
        credentialKey: stored.credentialKey ?? randomBytes(32).toString("hex"),
      };
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
      chmodSync(file, 0o600);
    }
    sessionSecret ??= stored.sessionSecret;
    keyHex ??= stored.credentialKey;
  }
  cached = { sessionSecret: sessionSecret!, credentialKey: Buffer.from(keyHex!, "hex"), credentialKeySource: e.CREDENTIAL_KEY ? "CREDENTIAL_KEY" : file };
  return cached;
}
