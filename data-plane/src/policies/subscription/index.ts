import { definePolicy, Phase } from "../types.js";
import { createSubscriptionHandler } from "./handler.js";

export const subscription = definePolicy({
  kind: "subscription",
  order: Phase.authorise,
  create: createSubscriptionHandler,
});
