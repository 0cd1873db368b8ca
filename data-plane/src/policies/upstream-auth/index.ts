import { definePolicy, Phase } from "../types.js";
import { createUpstreamAuthHandler } from "./handler.js";

export const upstreamAuth = definePolicy({
  kind: "upstream-auth",
  order: Phase.transform + 90,
  create: createUpstreamAuthHandler,
});
