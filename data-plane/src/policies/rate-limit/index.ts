import { definePolicy, Phase } from "../types.js";
import { createRateLimitHandler } from "./handler.js";

export const rateLimit = definePolicy({ kind: "rate-limit", order: Phase.rateLimit, create: createRateLimitHandler });
