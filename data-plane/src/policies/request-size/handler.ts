import type { RequestSizeConfig } from "@portico/shared/policies";
import type { z } from "zod";
import { PASS, type PolicyDeps, type PolicyHandler, reject } from "../types.js";

/** 413 on a declared length over the limit; a chunked body is cut at the limit while it streams. */
export function createRequestSizeHandler(config: z.infer<typeof RequestSizeConfig>, _deps: PolicyDeps): PolicyHandler {
  const { maxBytes } = config;
  const tooLarge = reject("payload-too-large", `The limit is ${maxBytes} bytes`);
  return {
    onRequest(ex) {
      if (ex.bytesIn > maxBytes) {
        return tooLarge;
      }
      ex.bodyLimit = Math.min(ex.bodyLimit, maxBytes);
      return PASS;
    },
  };
}
