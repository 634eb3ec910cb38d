import { env } from "../env";
import type { Provisioner } from "./index";
import { internalProvisioner } from "./internal";
import { kamailioProvisioner } from "./kamailio";

/** The provisioner PROVISIONER names (internal by default). */
export function configuredProvisioner(): Provisioner {
  const e = env();
  return e.PROVISIONER === "kamailio" ? kamailioProvisioner(e.KAMAILIO_DATABASE_URL!) : internalProvisioner;
}
