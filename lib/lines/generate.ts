import { LINE_PASSWORD_LENGTH, weakPasswordReason } from "./schemas";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/**
 * A random valid line password: 8 characters of a-z0-9 from crypto.getRandomValues (rejection
 * sampling, so every character is equally likely), with at least one letter and one digit, and never
 * one the schema would refuse as weak.
 */
export function generateLinePassword(number?: string, random: (bytes: Uint8Array) => Uint8Array = (b) => globalThis.crypto.getRandomValues(b)): string {
  const limit = 256 - (256 % ALPHABET.length);
  for (;;) {
    let out = "";
    while (out.length < LINE_PASSWORD_LENGTH) {
      for (const byte of random(new Uint8Array(16))) {
        if (byte < limit && out.length < LINE_PASSWORD_LENGTH) out += ALPHABET[byte % ALPHABET.length];
      }
    }
    if (/[a-z]/.test(out) && /\d/.test(out) && !weakPasswordReason(out, number)) return out;
  }
}
