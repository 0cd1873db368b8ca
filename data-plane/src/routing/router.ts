import type { CompiledApi, CompiledTenant } from "../config/compile.js";
import type { TenantStore } from "../config/store.js";

export const TENANT_PREFIX = "/t/";

export type Route =
  | {
      kind: "match";
      tenant: CompiledTenant;
      api: CompiledApi;
      /** path and query to request from the upstream origin */
      upstreamPath: string;
      /** the path below the API, as analytics reports it */
      resource: string;
    }
  | { kind: "invalid" }
  | { kind: "unknown-tenant" }
  | { kind: "unknown-api"; tenant: CompiledTenant; resource: string };

/**
 * Paths an upstream could resolve outside the API it was sent to: dot segments (plain or
 * percent-encoded), encoded slashes and backslashes, NUL. The gateway forwards the rest of
 * the path as it came, so it must refuse these rather than normalise them.
 */
const UNSAFE_PATH = /\\|%2f|%5c|%00|(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)/i;

const INVALID: Route = { kind: "invalid" };
const UNKNOWN_TENANT: Route = { kind: "unknown-tenant" };

/**
 * `/t/{slug}/{context…}/{version}/{rest…}?query` → API and upstream path. The context may span
 * several segments; the longest context/version that exists wins.
 */
export function route(store: TenantStore, url: string): Route {
  if (!url.startsWith(TENANT_PREFIX)) {
    return UNKNOWN_TENANT;
  }
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  if (UNSAFE_PATH.test(path) || url.includes("#")) {
    return INVALID;
  }
  const slugEnd = path.indexOf("/", TENANT_PREFIX.length);
  if (slugEnd < 0) {
    return UNKNOWN_TENANT;
  }
  const tenant = store.bySlug(path.slice(TENANT_PREFIX.length, slugEnd));
  if (tenant === undefined) {
    return UNKNOWN_TENANT;
  }
  // ends[i] = index just past segment i of the context/version part
  const ends: number[] = [];
  let at = slugEnd + 1;
  while (ends.length < tenant.maxRouteSegments) {
    const next = path.indexOf("/", at);
    ends.push(next < 0 ? path.length : next);
    if (next < 0) {
      break;
    }
    at = next + 1;
  }
  for (let i = ends.length - 1; i >= 1; i--) {
    const end = ends[i] as number;
    const api = tenant.apis.get(path.slice(slugEnd + 1, end));
    if (api !== undefined) {
      const rest = path.slice(end);
      const target = api.basePath + rest + (q < 0 ? "" : url.slice(q));
      return {
        kind: "match",
        tenant,
        api,
        upstreamPath: target.length === 0 || target[0] === "?" ? `/${target}` : target,
        resource: rest || "/",
      };
    }
  }
  return { kind: "unknown-api", tenant, resource: path.slice(slugEnd) };
}
