export * from "./analytics.js";
export * from "./api/index.js";
export { ApiStatus, SubscriptionStatus, TIER_UNIT_MS, Tier, TierKind, TierUnit } from "./bundle/schema.js";
export { invocationDir, loadDotEnv } from "./dotenv.js";
export * from "./gateway.js";
export * from "./ids.js";
export * from "./names.js";
export * from "./problem.js";
export * from "./result.js";
