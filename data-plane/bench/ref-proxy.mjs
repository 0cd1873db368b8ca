#!/usr/bin/env node
// The minimal Node reverse proxy the gateway is measured against (issue 5 "Speed"): a raw
// node:http server, the bearer token looked up in a Map, an undici Pool streamed into the
// response. No policies, no analytics, no problem+json: the floor of Node's own cost.
// Usage: node ref-proxy.mjs <port> <upstream origin> <token>
import { createServer } from "node:http";
import { Pool } from "undici";

const [port, upstream, token] = process.argv.slice(2);
const pool = new Pool(upstream, { connections: 128, pipelining: 1 });
const tokens = new Map([[`Bearer ${token}`, "app"]]);

createServer((req, res) => {
  if (tokens.get(req.headers.authorization ?? "") === undefined) {
    res.writeHead(401).end();
    return;
  }
  pool
    .stream(
      { path: req.url, method: req.method, headers: { host: req.headers.host ?? "" }, opaque: res },
      ({ statusCode, headers, opaque }) => {
        opaque.writeHead(statusCode, headers);
        return opaque;
      },
    )
    .catch(() => {
      if (!res.headersSent) {
        res.writeHead(502);
      }
      res.end();
    });
}).listen(Number(port), "127.0.0.1");
