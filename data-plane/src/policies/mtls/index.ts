import { definePolicy, Phase } from "../types.js";
import { createMtlsHandler } from "./handler.js";

/**
 * Before the authentication policies: the certificate is checked on every request, and a
 * bound one authenticates its application so key and token policies then stand aside.
 */
export const mtls = definePolicy({ kind: "mtls", order: Phase.route + 30, create: createMtlsHandler });
