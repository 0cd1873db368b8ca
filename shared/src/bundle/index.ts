export * from "./schema.js";
export { canonicalJson, contentHash, sha256Hex } from "./canonical.js";
export { signBundle, BUNDLE_JWS_TYPE } from "./sign.js";
export * from "./verify.js";
