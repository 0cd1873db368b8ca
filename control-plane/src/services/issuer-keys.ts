import { ok, type RotateIssuerKeyRequest } from "@portico/shared";
import type { z } from "zod";
import { listIssuerKeys as listKeys, rotateIssuerKey as rotate } from "../keys/issuer.js";
import { audit } from "./audit.js";
import type { Actor, Services } from "./context.js";
import { withTenantRedeploy } from "./redeploy.js";

export function listIssuerKeys(s: Services, actor: Actor) {
  return s.db.withTenant(actor.tenantId, (tx) => listKeys(tx));
}

/**
 * A new key signs the tenant's tokens from now on; the bundles re-deployed in the same
 * transaction carry old and new public keys, so tokens of both validate at every gateway
 * until the overlap ends (the key sweep then drops the old key and re-deploys).
 */
export function rotateIssuerKey(s: Services, actor: Actor, input: z.infer<typeof RotateIssuerKeyRequest>) {
  return withTenantRedeploy(s, actor, async (tx) => {
    const rotated = await rotate(tx, actor.tenantId, input.overlapSeconds);
    await audit(tx, actor, {
      action: "issuer-key.rotate",
      target: { type: "issuer-key", id: rotated.kid },
      summary: { retiring: rotated.retiring },
    });
    return ok(rotated);
  });
}
