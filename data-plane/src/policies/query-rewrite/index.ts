import { definePolicy, Phase } from "../types.js";
import { createQueryRewriteHandler } from "./handler.js";

export const queryRewrite = definePolicy({
  kind: "query-rewrite",
  order: Phase.transform + 30,
  create: createQueryRewriteHandler,
});
