import { createHash } from "node:crypto";

const md5 = (s: string) => createHash("md5").update(s, "utf8").digest("hex");

/** What a SIP registrar (Kamailio auth_db) needs to check digest authentication, without the password. */
export interface SipCredential {
  username: string;
  realm: string;
  /** md5(username:realm:password) */
  ha1: string;
  /** md5(username@realm:realm:password) — for clients that send user@domain as the username */
  ha1b: string;
}

export function sipCredential(username: string, realm: string, password: string): SipCredential {
  return { username, realm, ha1: md5(`${username}:${realm}:${password}`), ha1b: md5(`${username}@${realm}:${realm}:${password}`) };
}
