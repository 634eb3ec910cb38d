import list from "./weak-sip-passwords.json";

// Which 8-character a-z0-9 line (SIP) passwords are refused, and why (docs/security.md, "Line
// passwords"). The carrier fixes the format, so the space is only 36^8 ≈ 2.8·10^12: a sniffed SIP
// digest falls to one GPU in minutes whatever the rules; these rules only keep out the passwords an
// online guesser or a device-default scanner tries first. The generator stays the recommended path.

export type WeakReason = "repeated" | "run" | "common" | "number" | "selfcareId";

/** The message (an "errors" catalogue key) that says why. */
export const WEAK_REASON_MESSAGE = {
  repeated: "errors.newPasswordWeakRepeat",
  run: "errors.newPasswordWeakSequence",
  common: "errors.newPasswordWeakCommon",
  number: "errors.newPasswordWeakNumber",
  selfcareId: "errors.newPasswordWeakSelfcareId",
} as const satisfies Record<WeakReason, `errors.${string}`>;
export type WeakMessageKey = (typeof WEAK_REASON_MESSAGE)[WeakReason];

const DENIED = new Set(list.passwords);
const WORDS = [...list.words].sort((a, b) => b.length - a.length);

/** Keyboard rows and the alphabet, forwards: a password inside one of these (or reversed) is a sequence. */
const SEQUENCES = ["abcdefghijklmnopqrstuvwxyz", "0123456789", "1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "1qaz2wsx3edc4rfv5tgb6yhn7ujm", "qazwsxedcrfvtgbyhnujmikolp"];

const reverse = (s: string) => [...s].reverse().join("");

/** Few distinct characters (aaaaaaab, 00000001, abababab, aabbaabb) or a short block repeated (abcabcab, 12341234). */
function isNearRepeat(s: string): boolean {
  if (new Set(s).size <= 2) return true;
  for (let period = 1; period <= Math.floor(s.length / 2); period++) {
    let same = 0;
    for (let i = period; i < s.length; i++) if (s[i] === s[i - period]) same++;
    // All but at most one character repeat the block before them.
    if (same >= s.length - period - 1 && period <= 4) return true;
  }
  return false;
}

/** A run (each step +1 or −1 in all but at most one place: 12345678, 12345679, abcdefgz), interleaved runs (a1b2c3d4) or keyboard rows. */
function isSequence(s: string): boolean {
  const codes = [...s].map((c) => c.charCodeAt(0));
  const steps = codes.slice(1).map((c, i) => c - codes[i]!);
  for (const d of [1, -1]) if (steps.filter((x) => x === d).length >= steps.length - 1) return true;
  const even = s.split("").filter((_, i) => i % 2 === 0).join("");
  const odd = s.split("").filter((_, i) => i % 2 === 1).join("");
  const run = (t: string) => t.length >= 3 && [...t].slice(1).every((c, i) => Math.abs(c.charCodeAt(0) - t.charCodeAt(i)) === 1);
  if (run(even) && run(odd)) return true;
  return SEQUENCES.some((row) => row.includes(s) || reverse(row).includes(s));
}

/** 8 digits that read as a date (yyyymmdd, ddmmyyyy, mmddyyyy, 1900–2099): birthdays. */
function isDate(s: string): boolean {
  if (!/^\d{8}$/.test(s)) return false;
  const ok = (y: number, m: number, d: number) => y >= 1900 && y <= 2099 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
  const n = (a: number, b: number) => Number(s.slice(a, b));
  return ok(n(0, 4), n(4, 6), n(6, 8)) || ok(n(4, 8), n(2, 4), n(0, 2)) || ok(n(4, 8), n(0, 2), n(2, 4));
}

/** Made only of listed words and digit runs, with at least one word: voip1234, sipphone, admin999, 1234test. */
function isWordsAndDigits(s: string): boolean {
  const memo = new Map<number, boolean>();
  const from = (i: number, words: number): boolean => {
    if (i === s.length) return words > 0;
    const key = i * 16 + Math.min(words, 15);
    if (memo.has(key)) return memo.get(key)!;
    let found = false;
    for (const w of WORDS) if (s.startsWith(w, i) && from(i + w.length, words + 1)) found = true;
    if (!found) {
      let j = i;
      while (j < s.length && s[j]! >= "0" && s[j]! <= "9") j++;
      if (j > i && from(j, words)) found = true;
    }
    memo.set(key, found);
    return found;
  };
  return from(0, 0);
}

/** Why a password is refused without knowing whose it is (the zod schema's check), or null. */
export function weakPasswordReason(password: string, number?: string): WeakReason | null {
  const s = password.toLowerCase();
  if (isNearRepeat(s)) return "repeated";
  if (isSequence(s)) return "run";
  if (DENIED.has(s) || isDate(s) || isWordsAndDigits(s)) return "common";
  if (number && containsNumberDigits(s, number)) return "number";
  return null;
}

/** Any 8 consecutive digits of the line's number (forwards or backwards) inside the password. */
function containsNumberDigits(s: string, number: string): boolean {
  const digits = number.replace(/\D/g, "");
  for (const n of [digits, reverse(digits)]) {
    for (let i = 0; i + 8 <= n.length; i++) if (s.includes(n.slice(i, i + 8))) return true;
  }
  // A password of digits only that is part of the number (the schema's old rule, kept).
  return /^\d+$/.test(s) && s.length >= 6 && digits.includes(s);
}

/** The message key for a weak new password (the schema's check), or null. */
export function weakNewPasswordMessage(password: string, number?: string): WeakMessageKey | null {
  const reason = weakPasswordReason(password, number);
  return reason ? WEAK_REASON_MESSAGE[reason] : null;
}

/**
 * The full check with the account's context, for the server action (the schema does not know the
 * self-care ID): everything weakPasswordReason refuses, the line's own number, and the customer's
 * self-care ID (equal, reversed, rotated, at most 2 characters changed, or either containing the other
 * when the shorter has 5+ characters).
 * Returns an "errors" catalogue key, or null when the password is acceptable.
 */
export function weakLinePasswordReason(password: string, context: { selfcareId: string; number: string }): WeakMessageKey | null {
  const s = password.toLowerCase();
  const id = context.selfcareId.normalize("NFKC").toLowerCase().replace(/[^a-z0-9]/g, "");
  if (id.length > 0) {
    const [short, long] = s.length <= id.length ? [s, id] : [id, s];
    const rotations = [...id].map((_, i) => id.slice(i) + id.slice(0, i));
    const differing = s.length === id.length ? [...s].filter((c, i) => c !== id[i]).length : Infinity;
    if (s === reverse(id) || rotations.includes(s) || (id.length >= 6 && differing <= 2) || (short.length >= 5 && long.includes(short))) return WEAK_REASON_MESSAGE.selfcareId;
  }
  return weakNewPasswordMessage(password, context.number);
}
