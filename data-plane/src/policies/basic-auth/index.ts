import { definePolicy, Phase } from "../types.js";
import { createBasicAuthHandler } from "./handler.js";

export const basicAuth = definePolicy({
  kind: "basic-auth",
  order: Phase.authenticate + 20,
  create: createBasicAuthHandler,
});
