// `npm run key:rotate`: move every stored credential (pending and failed changes) from the current
// CREDENTIAL_KEY to NEW_CREDENTIAL_KEY, and record the new key's fingerprint, in one transaction.
// Stop every web server and worker first; start them again with CREDENTIAL_KEY=<the new key>.
//   CREDENTIAL_KEY=<old> NEW_CREDENTIAL_KEY=<new> DATABASE_URL=… npm run key:rotate
import { rotateCredentialKey } from "../lib/credential-key";
import { database } from "../lib/db";
import { EnvError } from "../lib/env";
import { migrate } from "../lib/migrate";
import { secrets } from "../lib/secrets";

try {
  const next = process.env.NEW_CREDENTIAL_KEY?.trim() ?? "";
  if (!/^[0-9a-fA-F]{64}$/.test(next)) throw new Error("NEW_CREDENTIAL_KEY must be 64 hex characters (32 bytes): openssl rand -hex 32");
  const old = secrets();
  if (old.credentialKeySource !== "CREDENTIAL_KEY") console.log(`(the old key is the one generated in ${old.credentialKeySource})`);
  await migrate(database());
  const { resealed } = await rotateCredentialKey(database(), old.credentialKey, Buffer.from(next, "hex"));
  console.log(`Re-sealed ${resealed} stored credential(s) under NEW_CREDENTIAL_KEY and recorded its fingerprint.`);
  console.log("Now start every web server and worker with CREDENTIAL_KEY set to the new key.");
  await database().close();
} catch (error) {
  console.error(error instanceof EnvError ? error.message : `Key rotation failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
