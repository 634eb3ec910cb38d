import type { SqlQuery } from "../db";
import type { SipCredential } from "../sip/digest";

/** One credential to put into the SIP side, keyed by the change that carries it. */
export interface ProvisionItem {
  changeId: string;
  credential: SipCredential;
}

/**
 * Puts credentials where the SIP registrar reads them. Must be idempotent: provisioning the same
 * change twice leaves the same state (the worker may repeat a batch after a crash).
 * `ctx.query` runs inside the worker's transaction on the portal database; `ctx.now` is the worker's clock.
 */
export interface ProvisionContext {
  query: SqlQuery;
  now: Date;
}

/** What a registrar says about a provisioning: its own clock when it took the credentials. */
export interface ProvisionResult {
  registrarAt?: Date;
}

export interface Provisioner {
  readonly name: string;
  provision(items: ProvisionItem[], ctx: ProvisionContext): Promise<void | ProvisionResult>;
  close?(): Promise<void>;
}
