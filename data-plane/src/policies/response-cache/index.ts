import { definePolicy, Phase } from "../types.js";
import { createResponseCacheHandler } from "./handler.js";

/** Last of the request policies: authentication, authorisation, limits and validation ran first. */
export const responseCache = definePolicy({
  kind: "response-cache",
  order: Phase.transform + 80,
  create: createResponseCacheHandler,
});
