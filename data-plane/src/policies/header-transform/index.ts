import { definePolicy, Phase } from "../types.js";
import { createHeaderTransformHandler } from "./handler.js";

export const headerTransform = definePolicy({
  kind: "header-transform",
  order: Phase.transform + 10,
  create: createHeaderTransformHandler,
});
