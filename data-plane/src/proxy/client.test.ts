import { once } from "node:events";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { type AddressInfo, createServer as createNetServer, type Server, type Socket } from "node:net";
import { buffer } from "node:stream/consumers";
import { afterEach, describe, expect, it } from "vitest";
import { sleep, waitFor } from "../../test/harness.js";
import { type PoolOptions, type ResponseHandler, UpstreamPool, type UpstreamRequest } from "./client.js";

const pools: UpstreamPool[] = [];
const servers: Server[] = [];
const rawSockets: Socket[] = [];
/** handler calls after the exchange ended: each one is a broken contract */
const failures: string[] = [];

/** Ends every pool, upstream connection and server the case made. */
async function cleanup(): Promise<void> {
  for (const pool of pools.splice(0)) {
    pool.destroy();
  }
  for (const socket of rawSockets.splice(0)) {
    socket.destroy();
  }
  for (const server of servers.splice(0)) {
    (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function pool(port: number, options: Partial<PoolOptions> = {}): UpstreamPool {
  const p = new UpstreamPool(`http://127.0.0.1:${port}`, {
    connections: 8,
    headersTimeoutMs: 5000,
    bodyTimeoutMs: 5000,
    connectTimeoutMs: 5000,
    ...options,
  });
  pools.push(p);
  return p;
}

async function listen(server: Server): Promise<number> {
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as AddressInfo).port;
}

interface HttpUpstream {
  port: number;
  /** TCP connections the server accepted */
  connections: () => number;
}

/** A node:http upstream; `connections` counts its accepted TCP connections. */
async function httpUpstream(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<HttpUpstream> {
  const server = createHttpServer(handler);
  let connections = 0;
  server.on("connection", () => {
    connections++;
  });
  return { port: await listen(server), connections: () => connections };
}

interface RawUpstream {
  port: number;
  /** what each accepted connection received, one char per byte */
  received: string[];
}

/**
 * A raw TCP upstream that sees the bytes as sent. `onRequest` runs each time another request
 * head (up to a blank line) has arrived on a connection: `conn` counts connections from 0, `n`
 * requests on that connection from 0.
 */
async function rawUpstream(onRequest: (socket: Socket, conn: number, n: number) => void): Promise<RawUpstream> {
  const received: string[] = [];
  const server = createNetServer((socket) => {
    rawSockets.push(socket);
    const conn = received.length;
    received.push("");
    let heads = 0;
    socket.on("error", () => {});
    socket.on("data", (chunk: Buffer) => {
      received[conn] += chunk.toString("latin1");
      const count = (received[conn] as string).split("\r\n\r\n").length - 1;
      while (heads < count) {
        onRequest(socket, conn, heads++);
      }
    });
  });
  return { port: await listen(server), received };
}

/** A port nothing listens on: one a server had and gave back. */
async function closedPort(): Promise<number> {
  const server = createNetServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Result {
  status: number | undefined;
  headers: string[];
  body: Buffer;
  error: (Error & { code?: string }) | undefined;
  /** the handler's calls in order: connect, headers N, data, complete, error */
  calls: string[];
}

/**
 * Dispatches `req` and collects what the handler is given until onComplete or onError. `hooks`
 * see each call too and can answer onHeaders and onData (true when they do not).
 */
function send(
  p: UpstreamPool,
  req: Partial<UpstreamRequest> = {},
  hooks: Partial<ResponseHandler> = {},
): Promise<Result> {
  return new Promise((resolve) => {
    const result: Result = { status: undefined, headers: [], body: Buffer.alloc(0), error: undefined, calls: [] };
    const chunks: Buffer[] = [];
    let ended = false;
    const call = (name: string): boolean => {
      if (ended) {
        failures.push(`${name} after the exchange ended (${result.calls.join(", ")})`);
        return false;
      }
      result.calls.push(name);
      return true;
    };
    const end = () => {
      ended = true;
      result.body = Buffer.concat(chunks);
      resolve(result);
    };
    const request: UpstreamRequest = { path: "/", method: "GET", headers: [], body: null, ...req };
    p.dispatch(request, {
      onConnect(abort) {
        if (call("connect")) {
          hooks.onConnect?.(abort);
        }
      },
      onHeaders(status, headers, resume) {
        if (!call(`headers ${status}`)) {
          return true;
        }
        result.status = status;
        result.headers = headers;
        return hooks.onHeaders?.(status, headers, resume) ?? true;
      },
      onData(chunk) {
        if (!call("data")) {
          return true;
        }
        chunks.push(chunk);
        return hooks.onData?.(chunk) ?? true;
      },
      onComplete() {
        if (call("complete")) {
          hooks.onComplete?.();
          end();
        }
      },
      onError(error) {
        if (call("error")) {
          result.error = error;
          hooks.onError?.(error);
          end();
        }
      },
    });
  });
}

/** Hooks that keep the exchange's resume() and answer onHeaders with `proceed`. */
function keepResume(proceed: boolean, more: Partial<ResponseHandler> = {}) {
  const kept: { resume: (() => void) | undefined; hooks: Partial<ResponseHandler> } = {
    resume: undefined,
    hooks: {
      ...more,
      onHeaders(_status, _headers, resume) {
        kept.resume = resume;
        return proceed;
      },
    },
  };
  return kept;
}

/** "held" while `pending` has not settled by the next turn of the event loop. */
const heldOrDone = (pending: Promise<unknown>) =>
  Promise.race([pending.then(() => "done"), sleep(0).then(() => "held")]);

/** A result with its body as text and its error as code and message, to compare whole. */
function plain(r: Result) {
  return {
    status: r.status,
    headers: r.headers,
    body: r.body.toString("latin1"),
    error: r.error === undefined ? undefined : { code: r.error.code, message: r.error.message },
    calls: r.calls,
  };
}

/** A response head's value for `name` (case-insensitive), or undefined. */
function header(headers: string[], name: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) {
    if ((headers[i] as string).toLowerCase() === name) {
      return headers[i + 1];
    }
  }
  return undefined;
}

const ok = (body: string, extra = "") =>
  `HTTP/1.1 200 OK\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

/**
 * An upstream that answers "first" on its first connection, then closes that connection on the
 * next request without a byte back (it had given up on it while idle), and answers "fresh" on
 * any other.
 */
function closesReusedConnection(): Promise<RawUpstream> {
  return rawUpstream((socket, conn, n) => {
    if (conn === 0 && n === 0) {
      socket.write(ok("first"));
    } else if (conn === 0) {
      socket.destroy();
    } else {
      socket.write(ok("fresh"));
    }
  });
}

async function* iterate(parts: string[]): AsyncGenerator<Buffer> {
  for (const part of parts) {
    await sleep(5);
    yield Buffer.from(part);
  }
}

/**
 * Cases whose connection ends inside one of the parser's own callbacks (a response that closes
 * its connection, an abort or a failed request started from onMessageComplete, close() with an
 * exchange in flight): the parser must outlive the execute() that called back.
 */
const endingInsideParser = {
  async closeDelimited() {
    const upstream = await rawUpstream((socket, conn) => {
      socket.write("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\npart one,");
      setTimeout(() => socket.end(` part two ${conn}`), 20);
    });
    const p = pool(upstream.port);
    const first = plain(await send(p));
    const second = plain(await send(p));
    return { first, second, connections: upstream.received.length };
  },

  async connectionClose() {
    const upstream = await rawUpstream((socket) => {
      socket.write(ok("bye", "connection: close\r\n"));
    });
    const p = pool(upstream.port);
    const first = plain(await send(p));
    const second = plain(await send(p));
    return { first, second, connections: upstream.received.length };
  },

  async closeWaitsForExchange() {
    const upstream = await httpUpstream((_req, res) => {
      setTimeout(() => res.end("late"), 150);
    });
    const p = pool(upstream.port);
    const events: string[] = [];
    const pending = send(p, {}, { onComplete: () => events.push("complete") });
    await sleep(30);
    const closed = p.close().then(() => events.push("closed"));
    await sleep(50);
    const before = [...events];
    const res = plain(await pending);
    await closed;
    const after = plain(await send(p));
    return { before, events, res, after };
  },

  async abortMidBody() {
    const upstream = await httpUpstream((_req, res) => {
      res.write("first");
      setTimeout(() => res.end("second"), 200);
    });
    const p = pool(upstream.port);
    let abort: ((err: Error) => void) | undefined;
    const res = plain(
      await send(
        p,
        {},
        {
          onConnect(a) {
            abort = a;
          },
          onData() {
            abort?.(new Error("client went away"));
            return true;
          },
        },
      ),
    );
    const next = plain(await send(p));
    return { res, next };
  },

  /** an early 413 while the request body still goes out: the connection is not reused */
  async earlyResponse() {
    const upstream = await rawUpstream((socket, conn) => {
      socket.write(conn === 0 ? "HTTP/1.1 413 Payload Too Large\r\ncontent-length: 0\r\n\r\n" : ok("next"));
    });
    const p = pool(upstream.port);
    const early = plain(await send(p, { method: "POST", body: iterate(["a", "b", "c", "d", "e"]) }));
    const next = plain(await send(p));
    return { early, next, connections: upstream.received.length };
  },

  async unrequestedUpgrade() {
    const upstream = await rawUpstream((socket) => {
      socket.write("HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n");
    });
    return plain(await send(pool(upstream.port)));
  },

  /** proxy/forward.ts aborts in onConnect when its client went away while the request waited */
  async queuedAbortedInOnConnect() {
    const upstream = await httpUpstream((req, res) => {
      setTimeout(() => res.end(`answer ${req.url}`), 50);
    });
    const p = pool(upstream.port, { connections: 1 });
    const [a, b] = await Promise.all([
      send(p, { path: "/a" }),
      send(p, { path: "/b" }, { onConnect: (abort) => abort(new Error("client went away")) }),
    ]);
    const c = await send(p, { path: "/c" });
    return { a: plain(a), b: plain(b), c: plain(c) };
  },

  async queuedBadHeader() {
    const upstream = await httpUpstream((req, res) => {
      setTimeout(() => res.end(`answer ${req.url}`), 50);
    });
    const p = pool(upstream.port, { connections: 1 });
    const [a, b] = await Promise.all([
      send(p, { path: "/a" }),
      send(p, { path: "/b", headers: ["x-note", "a\r\nx-injected: 1"] }),
    ]);
    const c = await send(p, { path: "/c" });
    return { a: plain(a), b: plain(b), c: plain(c) };
  },
} satisfies Record<string, () => Promise<unknown>>;

afterEach(async () => {
  await cleanup();
  expect(failures.splice(0)).toEqual([]);
});

describe("upstream pool", () => {
  it("sends two requests in turn over one kept-alive connection", async () => {
    const upstream = await httpUpstream((req, res) => res.end(`hello ${req.url}`));
    const p = pool(upstream.port);
    const first = await send(p, { path: "/one" });
    const second = await send(p, { path: "/two" });
    expect(first.error).toBeUndefined();
    expect(first.status).toBe(200);
    expect(first.body.toString()).toBe("hello /one");
    expect(second.status).toBe(200);
    expect(second.body.toString()).toBe("hello /two");
    expect(second.calls).toEqual(["connect", "headers 200", "data", "complete"]);
    expect(upstream.connections()).toBe(1);
  });

  it("sends the origin's Host and the request's headers, as given", async () => {
    let seen: string[] = [];
    const upstream = await httpUpstream((req, res) => {
      seen = req.rawHeaders;
      res.end("ok");
    });
    const p = pool(upstream.port);
    const res = await send(p, { path: "/h?q=1", headers: ["X-One", "1", "x-two", "a, b"] });
    expect(res.status).toBe(200);
    expect(seen).toEqual(["host", `127.0.0.1:${upstream.port}`, "X-One", "1", "x-two", "a, b"]);
  });

  it("sends a request again on a new connection when a reused one was closed by the upstream without an answer", async () => {
    const upstream = await closesReusedConnection();
    const p = pool(upstream.port);
    const first = await send(p, { path: "/1" });
    expect(first.body.toString()).toBe("first");
    const second = await send(p, { path: "/2" });
    expect(second.error).toBeUndefined();
    expect(second.status).toBe(200);
    expect(second.body.toString()).toBe("fresh");
    expect(upstream.received.length).toBe(2);
    expect(upstream.received[1]).toMatch(/^GET \/2 HTTP\/1\.1\r\n/);
  });

  it.each([
    ["a request with a body", { method: "PUT", path: "/upload", body: Buffer.from("payload") }],
    ["a bodiless POST", { method: "POST", path: "/charge", body: null }],
  ])("does not send %s again when its reused connection was closed under it", async (_what, req) => {
    const upstream = await closesReusedConnection();
    const p = pool(upstream.port);
    expect((await send(p)).status).toBe(200);
    const res = await send(p, req);
    expect(res.status).toBeUndefined();
    expect(res.error).toBeInstanceOf(Error);
    expect(res.calls).toEqual(["connect", "error"]);
    await sleep(50);
    expect(upstream.received.length).toBe(1);
  });

  it("completes a HEAD response with a Content-Length and no body, and reuses its connection", async () => {
    const upstream = await httpUpstream((req, res) => {
      res.setHeader("content-length", "11");
      if (req.method === "HEAD") {
        res.end();
      } else {
        res.end("hello world");
      }
    });
    const p = pool(upstream.port);
    const head = await send(p, { method: "HEAD", path: "/h" });
    expect(head.error).toBeUndefined();
    expect(head.status).toBe(200);
    expect(header(head.headers, "content-length")).toBe("11");
    expect(head.calls).toEqual(["connect", "headers 200", "complete"]);
    const get = await send(p, { path: "/g" });
    expect(get.body.toString()).toBe("hello world");
    expect(upstream.connections()).toBe(1);
  });

  it("skips 1xx responses: the handler sees only the final one", async () => {
    const upstream = await rawUpstream((socket) => {
      socket.write("HTTP/1.1 100 Continue\r\n\r\n");
      setTimeout(() => {
        socket.write("HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload\r\n\r\n");
        setTimeout(() => socket.write(ok("final", "x-final: yes\r\n")), 20);
      }, 20);
    });
    const p = pool(upstream.port);
    const res = await send(p);
    expect(res.error).toBeUndefined();
    expect(res.calls).toEqual(["connect", "headers 200", "data", "complete"]);
    expect(res.headers).toEqual(["content-length", "5", "x-final", "yes"]);
    expect(res.body.toString()).toBe("final");
    // all in one read too
    const again = await rawUpstream((socket) => {
      socket.write(`HTTP/1.1 100 Continue\r\n\r\n${ok("one read")}`);
    });
    const res2 = await send(pool(again.port));
    expect(res2.calls).toEqual(["connect", "headers 200", "data", "complete"]);
    expect(res2.body.toString()).toBe("one read");
  });

  describe("request bodies", () => {
    interface Seen {
      headers: IncomingMessage["headers"];
      body: Buffer;
    }
    async function recorder(): Promise<{ upstream: HttpUpstream; seen: Seen[] }> {
      const seen: Seen[] = [];
      const upstream = await httpUpstream((req, res) => {
        // a body the client gives up on ends in an "aborted" error: nothing to record
        buffer(req).then(
          (body) => {
            seen.push({ headers: req.headers, body });
            res.end(`${body.length}`);
          },
          () => {},
        );
      });
      return { upstream, seen };
    }

    it("gives a Buffer body a Content-Length, over the caller's", async () => {
      const { upstream, seen } = await recorder();
      const p = pool(upstream.port);
      const res = await send(p, {
        method: "POST",
        headers: ["content-type", "text/plain", "Content-Length", "999"],
        body: Buffer.from("héllo"),
      });
      expect(res.body.toString()).toBe("6");
      expect(seen[0]?.headers["content-length"]).toBe("6");
      expect(seen[0]?.headers["transfer-encoding"]).toBeUndefined();
      expect(seen[0]?.body.toString()).toBe("héllo");
    });

    it("sends a streamed body without a Content-Length chunked, empty chunks skipped, and it arrives whole", async () => {
      const { upstream, seen } = await recorder();
      const p = pool(upstream.port);
      const res = await send(p, { method: "PUT", body: iterate(["hello", "", " brave", " world"]) });
      expect(res.error).toBeUndefined();
      expect(res.body.toString()).toBe("17");
      expect(seen[0]?.headers["transfer-encoding"]).toBe("chunked");
      expect(seen[0]?.headers["content-length"]).toBeUndefined();
      expect(seen[0]?.body.toString()).toBe("hello brave world");
      // the connection is reused after a streamed body
      await send(p, { method: "POST", body: iterate(["x"]) });
      expect(upstream.connections()).toBe(1);
    });

    it("sends a streamed body with the caller's Content-Length as it is, not chunked", async () => {
      const upstream = await rawUpstream((socket) => {
        const answer = () => {
          if (upstream.received[0]?.endsWith("hello world")) {
            socket.off("data", answer);
            socket.write(ok("done"));
          }
        };
        socket.on("data", answer);
        answer();
      });
      const p = pool(upstream.port);
      const res = await send(p, {
        method: "POST",
        path: "/raw",
        headers: ["content-length", "11"],
        body: iterate(["hello", " world"]),
      });
      expect(res.body.toString()).toBe("done");
      const text = upstream.received[0] as string;
      expect(text.slice(text.indexOf("\r\n\r\n") + 4)).toBe("hello world");
      expect(text.toLowerCase()).toContain("\r\ncontent-length: 11\r\n");
      expect(text.toLowerCase()).not.toContain("transfer-encoding");
    });

    it("says content-length: 0 for a POST without a body, and nothing for a GET", async () => {
      const { upstream, seen } = await recorder();
      const p = pool(upstream.port);
      await send(p, { method: "POST" });
      await send(p, { method: "GET" });
      expect(seen[0]?.headers["content-length"]).toBe("0");
      expect(seen[1]?.headers["content-length"]).toBeUndefined();
      expect(seen[1]?.headers["transfer-encoding"]).toBeUndefined();
    });

    it("ends the exchange with the error of a streamed body that fails", async () => {
      const { upstream } = await recorder();
      const p = pool(upstream.port);
      const boom = new Error("body failed");
      async function* failing(): AsyncGenerator<Buffer> {
        yield Buffer.from("some");
        await sleep(10);
        throw boom;
      }
      const res = await send(p, { method: "POST", body: failing() });
      expect(res.error).toBe(boom);
    });
  });

  it("fails a response cut before its Content-Length with UPSTREAM_CLOSED", async () => {
    const upstream = await rawUpstream((socket) => {
      socket.end("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc");
    });
    const res = await send(pool(upstream.port));
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe("abc");
    expect(res.error?.code).toBe("UPSTREAM_CLOSED");
  });

  it("holds the body while onData says false, until resume()", async () => {
    const size = 1024 * 1024;
    const upstream = await httpUpstream((_req, res) => {
      res.setHeader("content-length", String(size));
      res.end(Buffer.alloc(size, "x"));
    });
    const p = pool(upstream.port);
    let chunks = 0;
    const kept = keepResume(true, {
      onData() {
        chunks++;
        return chunks > 1;
      },
    });
    const pending = send(p, {}, kept.hooks);
    await waitFor(() => chunks > 0, 3000, "the first chunk");
    await sleep(200);
    expect(chunks).toBe(1);
    kept.resume?.();
    const res = await pending;
    expect(res.error).toBeUndefined();
    expect(res.body.length).toBe(size);
    expect(chunks).toBeGreaterThan(1);
    // and the connection serves the next request
    const next = await send(p);
    expect(next.body.length).toBe(size);
    expect(upstream.connections()).toBe(1);
  });

  it("takes a resume() only from its own exchange, not one kept from the last on the connection", async () => {
    const upstream = await httpUpstream((_req, res) => {
      res.setHeader("content-length", "5");
      res.write("he");
      setTimeout(() => res.end("llo"), 20);
    });
    const p = pool(upstream.port);
    const stale = keepResume(true);
    await send(p, {}, stale.hooks);
    const held = keepResume(false);
    const pending = send(p, {}, held.hooks);
    await waitFor(() => held.resume, 3000, "the second response's head");
    stale.resume?.();
    await sleep(100);
    expect(await heldOrDone(pending)).toBe("held");
    held.resume?.();
    const res = await pending;
    expect(res.body.toString()).toBe("hello");
    expect(upstream.connections()).toBe(1);
  });

  it("holds the body from onHeaders returning false until resume()", async () => {
    const upstream = await httpUpstream((_req, res) => {
      res.setHeader("content-length", "5");
      res.write("he");
      setTimeout(() => res.end("llo"), 20);
    });
    const p = pool(upstream.port);
    const held = keepResume(false);
    const pending = send(p, {}, held.hooks);
    await waitFor(() => held.resume, 3000, "the response head");
    await sleep(100);
    // "he" may have come with the head in one read; "llo" came 20 ms later and is held
    expect(await heldOrDone(pending)).toBe("held");
    held.resume?.();
    const res = await pending;
    expect(res.body.toString()).toBe("hello");
  });

  it("serves the next request on a connection whose last body chunk was held (onData false, resume after the end)", async () => {
    const upstream = await httpUpstream((req, res) => res.end(`body of ${req.url}`));
    const p = pool(upstream.port);
    // like proxy/forward.ts when the client's socket is full on the last chunk
    const kept = keepResume(true, { onData: () => false });
    const first = await send(p, { path: "/first" }, kept.hooks);
    expect(first.body.toString()).toBe("body of /first");
    kept.resume?.(); // the client's socket drained
    const second = await send(p, { path: "/second", headersTimeout: 1000 });
    expect(second.error).toBeUndefined();
    expect(second.status).toBe(200);
    expect(second.body.toString()).toBe("body of /second");
  });

  it("fails with UPSTREAM_HEADERS_TIMEOUT when the head does not come within the request's headersTimeout", async () => {
    const upstream = await httpUpstream(() => {
      // never answers
    });
    const p = pool(upstream.port);
    const started = Date.now();
    const res = await send(p, { headersTimeout: 100 });
    expect(res.error?.code).toBe("UPSTREAM_HEADERS_TIMEOUT");
    expect(res.calls).toEqual(["connect", "error"]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("fails with UPSTREAM_BODY_TIMEOUT when the body stalls longer than bodyTimeoutMs", async () => {
    const upstream = await rawUpstream((socket) => {
      socket.write("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nab");
      // then nothing
    });
    const p = pool(upstream.port, { bodyTimeoutMs: 150 });
    const started = Date.now();
    const res = await send(p);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe("ab");
    expect(res.error?.code).toBe("UPSTREAM_BODY_TIMEOUT");
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("does not time the body out while the handler holds it", async () => {
    const upstream = await rawUpstream((socket) => {
      socket.write("HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nab");
      setTimeout(() => socket.write("cd"), 50);
    });
    const p = pool(upstream.port, { bodyTimeoutMs: 150 });
    const held = keepResume(false);
    const pending = send(p, {}, held.hooks);
    await sleep(400);
    held.resume?.();
    const res = await pending;
    expect(res.error).toBeUndefined();
    expect(res.body.toString()).toBe("abcd");
  });

  it("fails with ECONNREFUSED when nothing listens", async () => {
    const p = pool(await closedPort());
    const res = await send(p);
    expect(res.error?.code).toBe("ECONNREFUSED");
    expect(res.calls).toEqual(["connect", "error"]);
  });

  it("fails a header value with CR LF with UPSTREAM_BAD_HEADER, sending the upstream nothing", async () => {
    const upstream = await rawUpstream((socket) => {
      socket.write(ok("should not be asked"));
    });
    const p = pool(upstream.port);
    const res = await send(p, { headers: ["x-note", "a\r\nx-injected: 1"] });
    expect(res.error?.code).toBe("UPSTREAM_BAD_HEADER");
    const badName = await send(p, { headers: ["bad name", "v"] });
    expect(badName.error?.code).toBe("UPSTREAM_BAD_HEADER");
    await sleep(100);
    expect(upstream.received.join("")).toBe("");
  });

  it("queues requests beyond `connections` and answers them in order over the one connection", async () => {
    const order: string[] = [];
    const upstream = await httpUpstream((req, res) => {
      order.push(`request ${req.url}`);
      setTimeout(() => res.end(`answer ${req.url}`), 50);
    });
    const p = pool(upstream.port, { connections: 1 });
    const [a, b] = await Promise.all([
      send(p, { path: "/a" }, { onComplete: () => order.push("complete /a") }),
      send(p, { path: "/b" }, { onComplete: () => order.push("complete /b") }),
    ]);
    expect(a.body.toString()).toBe("answer /a");
    expect(b.body.toString()).toBe("answer /b");
    expect(order).toEqual(["request /a", "complete /a", "request /b", "complete /b"]);
    expect(upstream.connections()).toBe(1);
  });

  it("ends the exchange with the error given to abort() in onConnect", async () => {
    const upstream = await httpUpstream((_req, res) => res.end("ok"));
    const p = pool(upstream.port);
    const reason = new Error("x");
    const res = await send(p, {}, { onConnect: (abort) => abort(reason) });
    expect(res.error).toBe(reason);
    expect(res.calls).toEqual(["connect", "error"]);
    // the pool is still usable
    expect((await send(p)).status).toBe(200);
  });

  it("close() resolves at once with only idle connections, and closes them", async () => {
    const upstream = await rawUpstream((socket) => {
      socket.write(ok("x"));
    });
    const p = pool(upstream.port);
    await send(p);
    let closedByClient = false;
    rawSockets[0]?.on("close", () => {
      closedByClient = true;
    });
    await p.close();
    await waitFor(() => closedByClient, 3000, "the idle connection to close");
  });

  it("destroy() ends the exchange in flight and the waiting ones with UPSTREAM_POOL_CLOSED", async () => {
    const upstream = await httpUpstream(() => {
      // never answers
    });
    const p = pool(upstream.port, { connections: 1 });
    const first = send(p, { path: "/1" });
    const second = send(p, { path: "/2" });
    await waitFor(() => upstream.connections() > 0, 3000, "a connection");
    await sleep(20);
    p.destroy();
    const [a, b] = await Promise.all([first, second]);
    expect(a.error?.code).toBe("UPSTREAM_POOL_CLOSED");
    expect(b.error?.code).toBe("UPSTREAM_POOL_CLOSED");
  });

  it("fails malformed response bytes with UPSTREAM_BAD_RESPONSE", async () => {
    const upstream = await rawUpstream((socket) => {
      socket.write("NOT HTTP AT ALL\r\n\r\n");
    });
    const res = await send(pool(upstream.port));
    expect(res.error?.code).toBe("UPSTREAM_BAD_RESPONSE");
    expect(res.calls).toEqual(["connect", "error"]);
  });

  it("probe() resolves with the status once the body is read", async () => {
    const upstream = await httpUpstream((req, res) => {
      res.statusCode = req.url === "/healthz" ? 204 : 503;
      res.end(req.url === "/healthz" ? undefined : "down");
    });
    const p = pool(upstream.port);
    expect(await p.probe("/healthz", 1000)).toBe(204);
    expect(await p.probe("/other", 1000)).toBe(503);
  });

  it("probe() rejects when the upstream does not answer in time", async () => {
    const upstream = await httpUpstream(() => {});
    const p = pool(upstream.port);
    await expect(p.probe("/slow", 100)).rejects.toMatchObject({ code: "UPSTREAM_HEADERS_TIMEOUT" });
  });

  describe("cases that end a connection inside a parser callback", () => {
    it("completes a body delimited by the connection's close, and does not reuse that connection", async () => {
      const { first, second, connections } = await endingInsideParser.closeDelimited();
      expect(first.error).toBeUndefined();
      expect(first.status).toBe(200);
      expect(first.body).toBe("part one, part two 0");
      expect(first.calls.at(-1)).toBe("complete");
      expect(second.body).toBe("part one, part two 1");
      expect(connections).toBe(2);
    });

    it("does not reuse a connection whose response said Connection: close", async () => {
      const { first, second, connections } = await endingInsideParser.connectionClose();
      expect(first.body).toBe("bye");
      expect(second.body).toBe("bye");
      expect(connections).toBe(2);
    });

    it("close() waits for the exchange in flight, then resolves; a dispatch after it fails with UPSTREAM_POOL_CLOSED", async () => {
      const { before, events, res, after } = await endingInsideParser.closeWaitsForExchange();
      expect(before).toEqual([]);
      expect(res.body).toBe("late");
      expect(events).toEqual(["complete", "closed"]);
      expect(after.error?.code).toBe("UPSTREAM_POOL_CLOSED");
      expect(after.calls).toEqual(["error"]);
    });

    it("ends the exchange with the error given to abort() mid-body, and the pool goes on", async () => {
      const { res, next } = await endingInsideParser.abortMidBody();
      expect(res.error?.message).toBe("client went away");
      expect(res.calls).toEqual(["connect", "headers 200", "data", "error"]);
      expect(next.body).toBe("firstsecond");
    });

    it("completes a response that came before the request body was all sent, and does not reuse its connection", async () => {
      const { early, next, connections } = await endingInsideParser.earlyResponse();
      expect(early.status).toBe(413);
      expect(early.calls).toEqual(["connect", "headers 413", "complete"]);
      expect(next.body).toBe("next");
      expect(connections).toBe(2);
    });

    it("fails an unrequested 101 Switching Protocols with UPSTREAM_BAD_RESPONSE", async () => {
      const res = await endingInsideParser.unrequestedUpgrade();
      expect(res.error?.code).toBe("UPSTREAM_BAD_RESPONSE");
      expect(res.calls).toEqual(["connect", "error"]);
    });

    it("ends a queued request aborted in onConnect with its error, and serves the next", async () => {
      const { a, b, c } = await endingInsideParser.queuedAbortedInOnConnect();
      expect(a.body).toBe("answer /a");
      expect(b.error?.message).toBe("client went away");
      expect(b.calls).toEqual(["connect", "error"]);
      expect(c.body).toBe("answer /c");
    });

    it("fails a queued request with a CR LF header value with UPSTREAM_BAD_HEADER, and serves the next", async () => {
      const { a, b, c } = await endingInsideParser.queuedBadHeader();
      expect(a.body).toBe("answer /a");
      expect(b.error?.code).toBe("UPSTREAM_BAD_HEADER");
      expect(c.body).toBe("answer /c");
    });
  });

  describe("what a caller or an upstream cannot break", () => {
    it("refuses a header value with characters above U+00FF, which latin1 would write as CR LF", async () => {
      const upstream = await rawUpstream((socket) => {
        socket.write(ok("should not be asked"));
      });
      const p = pool(upstream.port);
      const res = await send(p, { headers: ["x-note", "a\u010d\u010ax-injected: 1"] });
      expect(res.error?.code).toBe("UPSTREAM_BAD_HEADER");
      await sleep(100);
      expect(upstream.received.join("")).toBe("");
    });

    it("drops the caller's Host, Connection, Transfer-Encoding and a bodiless request's Content-Length", async () => {
      const upstream = await rawUpstream((socket) => {
        socket.write(ok("fine"));
      });
      const p = pool(upstream.port);
      const res = await send(p, {
        path: "/g",
        headers: [
          "Host",
          "other.example",
          "connection",
          "close",
          "transfer-encoding",
          "chunked",
          "content-length",
          "5",
          "te",
          "trailers",
          "x-kept",
          "yes",
        ],
      });
      expect(res.body.toString()).toBe("fine");
      const head = (upstream.received[0] as string).toLowerCase();
      expect(head).toBe(`get /g http/1.1\r\nhost: 127.0.0.1:${upstream.port}\r\nx-kept: yes\r\n\r\n`);
    });

    it("fails a streamed body longer than its Content-Length with UPSTREAM_BAD_BODY, and sends no byte past it", async () => {
      const upstream = await rawUpstream(() => {});
      const p = pool(upstream.port);
      const res = await send(p, {
        method: "POST",
        headers: ["content-length", "5"],
        body: iterate(["hello", "GET /smuggled HTTP/1.1\r\nhost: x\r\n\r\n"]),
      });
      expect(res.error?.code).toBe("UPSTREAM_BAD_BODY");
      await sleep(50);
      const text = upstream.received[0] as string;
      expect(text.slice(text.indexOf("\r\n\r\n") + 4)).toBe("hello");
    });

    it("fails a streamed body shorter than its Content-Length with UPSTREAM_BAD_BODY and does not reuse the connection", async () => {
      const upstream = await rawUpstream((socket, conn) => {
        if (conn > 0) {
          socket.write(ok("next"));
        }
      });
      const p = pool(upstream.port);
      const res = await send(p, { method: "PUT", headers: ["content-length", "10"], body: iterate(["short"]) });
      expect(res.error?.code).toBe("UPSTREAM_BAD_BODY");
      expect((await send(p)).body.toString()).toBe("next");
      expect(upstream.received.length).toBe(2);
    });

    it("fails a request whose Content-Length headers disagree, sending nothing", async () => {
      const upstream = await rawUpstream(() => {});
      const p = pool(upstream.port);
      const res = await send(p, {
        method: "POST",
        headers: ["content-length", "3", "content-length", "4"],
        body: iterate(["abc"]),
      });
      expect(res.error?.code).toBe("UPSTREAM_BAD_HEADER");
      await sleep(50);
      expect(upstream.received.join("")).toBe("");
    });

    it("gives bytes after a response's Content-Length to no one: a waiting request gets its own answer on a new connection", async () => {
      const upstream = await rawUpstream((socket, conn) => {
        if (conn === 0) {
          socket.write(`${ok("first")}HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nforged`);
        } else {
          socket.write(ok("its own"));
        }
      });
      const p = pool(upstream.port, { connections: 1 });
      const [a, b] = await Promise.all([send(p, { path: "/a" }), send(p, { path: "/b" })]);
      expect(a.body.toString()).toBe("first");
      expect(b.body.toString()).toBe("its own");
      expect(upstream.received.length).toBe(2);
      expect(upstream.received[1]).toMatch(/^GET \/b /);
    });

    it("starts the headers timeout once a slow upload is sent, not when its head is", async () => {
      const upstream = await httpUpstream((req, res) => {
        buffer(req).then((body) => res.end(`${body.length}`));
      });
      const p = pool(upstream.port);
      async function* slow(): AsyncGenerator<Buffer> {
        for (let i = 0; i < 6; i++) {
          await sleep(60);
          yield Buffer.from("part");
        }
      }
      const res = await send(p, { method: "POST", body: slow(), headersTimeout: 150 });
      expect(res.error).toBeUndefined();
      expect(res.body.toString()).toBe("24");
    });

    it("fails a request that waits for a busy connection longer than its headers timeout with UPSTREAM_POOL_BUSY", async () => {
      const upstream = await httpUpstream((_req, res) => {
        setTimeout(() => res.end("slow"), 400);
      });
      const p = pool(upstream.port, { connections: 1 });
      const started = Date.now();
      const [a, b] = await Promise.all([send(p, { path: "/a" }), send(p, { path: "/b", headersTimeout: 100 })]);
      expect(b.error?.code).toBe("UPSTREAM_POOL_BUSY");
      expect(b.calls).toEqual(["connect", "error"]);
      expect(a.body.toString()).toBe("slow");
      expect(Date.now() - started).toBeLessThan(2000);
      expect(upstream.connections()).toBe(1);
    });

    it("ends a waiting request aborted while it waits, and the pool goes on", async () => {
      const upstream = await httpUpstream((req, res) => {
        setTimeout(() => res.end(`answer ${req.url}`), 150);
      });
      const p = pool(upstream.port, { connections: 1 });
      let abort: ((err: Error) => void) | undefined;
      const a = send(p, { path: "/a" });
      const b = send(p, { path: "/b" }, { onConnect: (x) => (abort = x) });
      await sleep(30);
      abort?.(new Error("total timeout"));
      expect((await b).error?.message).toBe("total timeout");
      expect((await a).body.toString()).toBe("answer /a");
      expect((await send(p, { path: "/c" })).body.toString()).toBe("answer /c");
    });

    it("fails a 1xx response that carries a body with UPSTREAM_BAD_RESPONSE, no data before headers", async () => {
      const upstream = await rawUpstream((socket) => {
        socket.write(`HTTP/1.1 199 Odd\r\ncontent-length: 3\r\n\r\nabc${ok("final")}`);
      });
      const res = await send(pool(upstream.port));
      expect(res.error?.code).toBe("UPSTREAM_BAD_RESPONSE");
      expect(res.calls).toEqual(["connect", "error"]);
    });

    it("ends an exchange whose handler throws in onHeaders with that error, and the pool goes on", async () => {
      const upstream = await httpUpstream((_req, res) => res.end("ok"));
      const p = pool(upstream.port);
      const thrown = new Error("handler bug");
      const res = await send(
        p,
        {},
        {
          onHeaders() {
            throw thrown;
          },
        },
      );
      expect(res.error).toBe(thrown);
      expect((await send(p)).body.toString()).toBe("ok");
    });

    it("closes an idle connection once its keep-alive time has passed, with no request to find it", async () => {
      let closed = 0;
      const upstream = await rawUpstream((socket) => {
        socket.on("close", () => closed++);
        socket.write(ok("idle next"));
      });
      const p = pool(upstream.port, { keepAliveMs: 100 });
      await send(p);
      await waitFor(() => closed === 1, 3000, "the idle connection to close");
    });

    it("does not keep a connection whose response said Keep-Alive: timeout=0", async () => {
      const upstream = await rawUpstream((socket) => {
        socket.write(ok("brief", "keep-alive: timeout=0\r\n"));
      });
      const p = pool(upstream.port);
      await send(p);
      await send(p);
      expect(upstream.received.length).toBe(2);
    });
  });
});
