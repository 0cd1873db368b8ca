export { canonicalJson, contentHash, sha256Hex } from "./canonical.js";
export * from "./schema.js";
export { BUNDLE_JWS_TYPE, signBundle } from "./sign.js";
export * from "./verify.js";
