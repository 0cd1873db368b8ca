import type { PolicyKind } from "@portico/shared/policies";
import { basicAuth } from "./basic-auth/index.js";
import { cors } from "./cors/index.js";
import { headerTransform } from "./header-transform/index.js";
import { ipFilter } from "./ip-filter/index.js";
import { jwtAuth } from "./jwt-auth/index.js";
import { keyAuth } from "./key-auth/index.js";
import { mtls } from "./mtls/index.js";
import { pathRewrite } from "./path-rewrite/index.js";
import { queryRewrite } from "./query-rewrite/index.js";
import { quota } from "./quota/index.js";
import { rateLimit } from "./rate-limit/index.js";
import { requestSize } from "./request-size/index.js";
import { requestValidation } from "./request-validation/index.js";
import { responseCache } from "./response-cache/index.js";
import { scopes } from "./scopes/index.js";
import { subscription } from "./subscription/index.js";
import type { PolicyModule } from "./types.js";
import { upstreamAuth } from "./upstream-auth/index.js";

/** kind → module. A kind added to shared without a module here does not compile. */
export const policyModules = {
  "key-auth": keyAuth,
  "jwt-auth": jwtAuth,
  subscription,
  scopes,
  "rate-limit": rateLimit,
  "request-size": requestSize,
  "ip-filter": ipFilter,
  cors,
  "header-transform": headerTransform,
  "path-rewrite": pathRewrite,
  "query-rewrite": queryRewrite,
  quota,
  "basic-auth": basicAuth,
  "upstream-auth": upstreamAuth,
  "request-validation": requestValidation,
  "response-cache": responseCache,
  mtls,
} satisfies { [K in PolicyKind]: PolicyModule<K> };
