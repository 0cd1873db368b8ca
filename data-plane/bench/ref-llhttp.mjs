#!/usr/bin/env node
// The reference proxy's logic (bench/ref-proxy.mjs: the bearer token looked up in a Map, an
// undici Pool) on node's own llhttp binding over `net` instead of node:http: no IncomingMessage,
// no ServerResponse, and none of the HTTP semantics the gateway's server (src/http/) keeps. It
// measures the floor of a proxy on that parser. Only what the bench sends and gets: requests
// without a body, one at a time per connection (no pipelining), upstream responses with a
// Content-Length. A measurement, not a server to deploy.
// Usage: node ref-llhttp.mjs <port> <upstream origin> <token>
import { STATUS_CODES } from "node:http";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { Pool } from "undici";

const { HTTPParser, methods } = createRequire(import.meta.url)("_http_common");
const [port, upstream, token] = process.argv.slice(2);
const pool = new Pool(upstream, { connections: 128, pipelining: 1 });
const tokens = new Map([[`Bearer ${token}`, "app"]]);
const UNAUTHORIZED = "HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n";
const BAD_GATEWAY = "HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n";
const HOP = new Set(["connection", "keep-alive", "transfer-encoding"]);

/**
 * One upstream exchange as an undici dispatch handler: the status line and headers go out with
 * the first chunk. `head` is null until the upstream answers and "" once it is written.
 */
class Forwarding {
  constructor(socket) {
    this.socket = socket;
    this.head = null;
  }
  onConnect() {}
  onHeaders(status, raw) {
    let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\n`;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i].latin1Slice();
      if (!HOP.has(name.toLowerCase())) {
        head += `${name}: ${raw[i + 1].latin1Slice()}\r\n`;
      }
    }
    this.head = `${head}\r\n`;
    return true;
  }
  onData(chunk) {
    if (this.head === "") {
      this.socket.write(chunk);
    } else {
      this.socket.write(this.head + chunk.latin1Slice(), "latin1");
      this.head = "";
    }
    return true;
  }
  onComplete() {
    if (this.head !== null && this.head !== "") {
      this.socket.write(this.head, "latin1");
    }
  }
  onError() {
    if (this.head === "") {
      this.socket.destroy();
    } else {
      this.socket.write(BAD_GATEWAY);
    }
  }
}

createServer({ noDelay: true }, (socket) => {
  socket.on("error", () => socket.destroy());
  const parser = new HTTPParser();
  parser.initialize(HTTPParser.REQUEST, {}, 16384, 0);
  let headers = [];
  let method = "GET";
  let url = "";
  // llhttp hands over headers (and the target) that span reads in pieces, then completes the head.
  parser[HTTPParser.kOnHeaders] = (h, u) => {
    headers = headers.concat(h);
    url += u;
  };
  parser[HTTPParser.kOnHeadersComplete] = (_major, _minor, h, m, u) => {
    if (h !== undefined) {
      headers = h;
    }
    if (u) {
      url = u;
    }
    method = methods[m];
    return 0;
  };
  parser[HTTPParser.kOnBody] = () => {};
  parser[HTTPParser.kOnMessageComplete] = () => {
    let authorization = "";
    let host = "";
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i].toLowerCase();
      if (name === "authorization") {
        authorization = headers[i + 1];
      } else if (name === "host") {
        host = headers[i + 1];
      }
    }
    const path = url;
    headers = [];
    url = "";
    if (tokens.get(authorization) === undefined) {
      socket.write(UNAUTHORIZED);
      return;
    }
    pool.dispatch({ path, method, headers: ["host", host] }, new Forwarding(socket));
  };
  socket.on("data", (chunk) => {
    if (parser.execute(chunk) instanceof Error) {
      socket.destroy();
    }
  });
}).listen(Number(port), "127.0.0.1");
