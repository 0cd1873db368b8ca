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

/** The callbacks a parser calls; their arguments differ between requests and responses. */
export interface ParserCallbacks {
  onHeaders(headers: string[], url: string): void;
  onHeadersComplete(...args: never[]): number | undefined;
  onBody(chunk: Buffer): void;
  onMessageComplete(): void;
}

/** A parser of requests or responses (`HTTPParser.REQUEST` or `.RESPONSE`) calling `on`. */
export function createParser(type: number, maxHeaderBytes: number, on: ParserCallbacks): LlhttpParser {
  const parser = new HTTPParser();
  parser.initialize(type, {}, maxHeaderBytes, 0);
  parser[HTTPParser.kOnHeaders] = on.onHeaders;
  parser[HTTPParser.kOnHeadersComplete] = on.onHeadersComplete;
  parser[HTTPParser.kOnBody] = on.onBody;
  parser[HTTPParser.kOnMessageComplete] = on.onMessageComplete;
  return parser;
}
