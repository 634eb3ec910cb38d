import { createHash } from "node:crypto";

/** Hex MD5 of a UTF-8 string: what a test expects a SIP digest (HA1) to be, computed independently of lib/sip. */
export const md5 = (s: string): string => createHash("md5").update(s, "utf8").digest("hex");
