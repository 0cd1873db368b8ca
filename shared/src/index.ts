export * from "./result.js";
export * from "./ids.js";
export * from "./problem.js";
export * from "./names.js";
export * from "./analytics.js";
export * from "./gateway.js";
export * from "./api/index.js";
export { ApiStatus, SubscriptionStatus, Tier } from "./bundle/schema.js";
