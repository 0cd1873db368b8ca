import { definePolicy, Phase } from "../types.js";
import { createRequestSizeHandler } from "./handler.js";

export const requestSize = definePolicy({
  kind: "request-size",
  order: Phase.transform,
  create: createRequestSizeHandler,
});
