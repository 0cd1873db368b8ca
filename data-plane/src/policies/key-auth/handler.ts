import type { KeyAuthConfig } from "@portico/shared/policies";
import type { z } from "zod";
import { authenticateApiKey } from "../../auth/api-key.js";
import { PASS, type PolicyDeps, type PolicyHandler, reject } from "../types.js";

/** A key in the configured header authenticates its application; no header leaves it to other policies. */
export function createKeyAuthHandler(config: z.infer<typeof KeyAuthConfig>, deps: PolicyDeps): PolicyHandler {
  const { header } = config;
  const keys = deps.tenant.apiKeys;
  return {
    onRequest(ex) {
      if (ex.authenticated) {
        return PASS;
      }
      const key = ex.req.headers[header];
      if (key === undefined) {
        return PASS;
      }
      if (typeof key !== "string") {
        return reject("invalid-api-key");
      }
      const app = authenticateApiKey(keys, key, Math.floor(ex.time / 1000), {
        ip: ex.req.socket.remoteAddress,
        referer: ex.req.headers.referer,
      });
      if (!app.ok) {
        return reject(app.error);
      }
      ex.applicationId = app.value;
      ex.authenticated = true;
      return PASS;
    },
  };
}
