import { definePolicy, Phase } from "../types.js";
import { createPathRewriteHandler } from "./handler.js";

export const pathRewrite = definePolicy({
  kind: "path-rewrite",
  order: Phase.transform + 20,
  create: createPathRewriteHandler,
});
