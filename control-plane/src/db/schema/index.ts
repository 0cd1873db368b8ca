export * from "./apis.js";
export * from "./applications.js";
export * from "./audit.js";
export * from "./deployer.js";
export * from "./gateways.js";
export * from "./oauth.js";
export * from "./tenants.js";
export * from "./webhooks.js";
