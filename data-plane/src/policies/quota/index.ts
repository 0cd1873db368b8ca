import { definePolicy, Phase } from "../types.js";
import { createQuotaHandler } from "./handler.js";

export const quota = definePolicy({ kind: "quota", order: Phase.rateLimit + 10, create: createQuotaHandler });
