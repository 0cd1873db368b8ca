import { createRequire } from "node:module";

/**
 * node's own llhttp binding, the parser inside node:http. It is not a documented module: the
 * gateway's server parses requests with it, and its upstream client responses, without
 * node:http's or undici's per-request objects (data-plane/README.md, HTTP server).
 */
export interface LlhttpParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(data: Buffer): number | (Error & { code?: string });
  /** The connection ended: completes a body delimited by the close, or an Error if one was cut. */
  finish(): number | (Error & { code?: string }) | undefined;
  close(): void;
  [callback: number]: unknown;
}
interface HttpCommon {
  HTTPParser: {
    new (): LlhttpParser;
    REQUEST: number;
    RESPONSE: number;
    kOnHeaders: number;
    kOnHeadersComplete: number;
    kOnBody: number;
    kOnMessageComplete: number;
  };
  methods: string[];
}
const common = createRequire(import.meta.url)("_http_common") as HttpCommon;
if (
  typeof common.HTTPParser !== "function" ||
  common.HTTPParser.kOnHeadersComplete === undefined ||
  !Array.isArray(common.methods)
) {
  // Fail at start, not on the first request, if a node release moves it.
  throw new Error(
    `node ${process.version} has no llhttp binding in _http_common, which the gateway's HTTP server and upstream client parse with`,
  );
}
export const { HTTPParser, methods } = common;
