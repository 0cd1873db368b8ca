import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import type { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { afterEach, describe, expect, it } from "vitest";
import { type ConnectionTimeouts, DEFAULT_TIMEOUTS } from "./connection.js";
import { HttpListener } from "./listener.js";
import type { GatewayRequest } from "./request.js";
import type { GatewayResponse } from "./response.js";

type OnRequest = (req: GatewayRequest, res: GatewayResponse) => void;
type OnUpgrade = (req: GatewayRequest, res: GatewayResponse, head: Buffer) => void;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until `check` finds something; a miss fails with `what` so a hung case says what it waited for. */
async function until<T>(check: () => T | null | undefined | false, what: () => string, ms = 3000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = check();
    if (found !== null && found !== undefined && found !== false) {
      return found;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${ms} ms waiting for ${what()}`);
    }
    await sleep(5);
  }
}

interface RawResponse {
  status: number;
  /** lower-case names, repeats joined with ", " */
  headers: Record<string, string>;
  body: string;
}

/**
 * The response at `from` in what a client received, or null while it is incomplete. It is
 * parsed here rather than by an HTTP client so that framing mistakes show instead of being
 * smoothed over; a body without a length runs to the close.
 */
function parseResponse(
  text: string,
  from: number,
  bodiless: boolean,
  closed: boolean,
): { res: RawResponse; next: number } | null {
  const headEnd = text.indexOf("\r\n\r\n", from);
  if (headEnd < 0) {
    return null;
  }
  const [statusLine = "", ...lines] = text.slice(from, headEnd).split("\r\n");
  const status = Number(statusLine.split(" ")[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let at = headEnd + 4;
  let body = "";
  if (bodiless || status < 200 || status === 204 || status === 304) {
    // no body
  } else if (headers["transfer-encoding"]?.toLowerCase() === "chunked") {
    for (;;) {
      const lineEnd = text.indexOf("\r\n", at);
      if (lineEnd < 0) {
        return null;
      }
      const size = Number.parseInt(text.slice(at, lineEnd), 16);
      if (Number.isNaN(size)) {
        throw new Error(`bad chunk size line ${JSON.stringify(text.slice(at, lineEnd))}`);
      }
      if (text.length < lineEnd + 2 + size + 2) {
        return null;
      }
      if (text.slice(lineEnd + 2 + size, lineEnd + 4 + size) !== "\r\n") {
        throw new Error(`chunk of ${size} bytes not followed by CRLF`);
      }
      body += text.slice(lineEnd + 2, lineEnd + 2 + size);
      at = lineEnd + 4 + size;
      if (size === 0) {
        break;
      }
    }
  } else if (headers["content-length"] !== undefined) {
    const length = Number(headers["content-length"]);
    if (text.length < at + length) {
      return null;
    }
    body = text.slice(at, at + length);
    at += length;
  } else {
    if (!closed) {
      return null;
    }
    body = text.slice(at);
    at = text.length;
  }
  return { res: { status, headers, body }, next: at };
}

/** A client that writes raw bytes and keeps everything it receives, one char per byte. */
class RawClient {
  readonly socket: Socket;
  text = "";
  closed = false;
  error: Error | null = null;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.text += chunk.toString("latin1");
    });
    // A server that closes while the client still writes may reset the connection.
    socket.on("error", (error) => {
      this.error = error;
    });
    socket.on("close", () => {
      this.closed = true;
    });
  }

  send(data: string | Buffer): void {
    this.socket.write(typeof data === "string" ? Buffer.from(data, "latin1") : data);
  }

  /** The first `count` responses; `bodiless[i]` marks the answer to a HEAD. */
  responses(count: number, bodiless: boolean[] = [], ms = 3000): Promise<RawResponse[]> {
    return until(
      () => {
        const found: RawResponse[] = [];
        let at = 0;
        while (found.length < count) {
          const parsed = parseResponse(this.text, at, bodiless[found.length] ?? false, this.closed);
          if (parsed === null) {
            return null;
          }
          found.push(parsed.res);
          at = parsed.next;
        }
        return found;
      },
      () => `${count} response(s); received ${JSON.stringify(this.text.slice(0, 2000))}`,
      ms,
    );
  }

  async response(bodiless = false, ms = 3000): Promise<RawResponse> {
    return (await this.responses(1, [bodiless], ms))[0] as RawResponse;
  }

  received(fragment: string, ms = 3000): Promise<true> {
    return until(
      () => this.text.includes(fragment),
      () => `${JSON.stringify(fragment)}; received ${JSON.stringify(this.text.slice(0, 2000))}`,
      ms,
    );
  }

  closedWithin(ms: number): Promise<true> {
    return until(
      () => this.closed,
      () => `the server to close the connection; received ${JSON.stringify(this.text.slice(0, 2000))}`,
      ms,
    );
  }
}

const listeners: HttpListener[] = [];
const clients: RawClient[] = [];
const failures: unknown[] = [];

async function serve(
  handler: { request?: OnRequest; upgrade?: OnUpgrade },
  timeouts: ConnectionTimeouts = DEFAULT_TIMEOUTS,
): Promise<{ listener: HttpListener; port: number }> {
  const listener = new HttpListener(
    {
      request: handler.request ?? ((_req, res) => res.end("ok")),
      upgrade: handler.upgrade ?? ((_req, res) => res.destroy()),
    },
    (error) => failures.push(error),
    undefined,
    timeouts,
  );
  listeners.push(listener);
  return { listener, port: await listener.listen(0, "127.0.0.1") };
}

async function open(port: number): Promise<RawClient> {
  const socket = connect(port, "127.0.0.1");
  const client = new RawClient(socket);
  clients.push(client);
  await once(socket, "connect");
  return client;
}

const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: gateway.test\r\n\r\n`;
const post = (path: string, body: Buffer) =>
  Buffer.concat([
    Buffer.from(`POST ${path} HTTP/1.1\r\nHost: gateway.test\r\nContent-Length: ${body.length}\r\n\r\n`),
    body,
  ]);

afterEach(async () => {
  // Upgraded sockets are no longer the listener's: only their client's close ends them.
  for (const client of clients.splice(0)) {
    client.socket.destroy();
  }
  for (const listener of listeners.splice(0)) {
    listener.closeAllConnections();
    await listener.close();
  }
  expect(failures.splice(0)).toEqual([]);
});

describe("HTTP/1.1 connection", () => {
  it("answers two requests in turn on one kept-alive connection, with Date, Keep-Alive and a Content-Length for a body given whole to end()", async () => {
    const { port } = await serve({
      request(req, res) {
        res.writeHead(200, ["content-type", "text/plain; charset=utf-8"]);
        res.end(`héllo ${req.url} ✓`);
      },
    });
    const client = await open(port);
    client.send(get("/one"));
    await client.responses(1);
    client.send(get("/two"));
    const [first, second] = (await client.responses(2)) as [RawResponse, RawResponse];
    // The client keeps bytes, so a length counted in characters instead of bytes would show.
    expect(Buffer.from(first.body, "latin1").toString()).toBe("héllo /one ✓");
    expect(Buffer.from(second.body, "latin1").toString()).toBe("héllo /two ✓");
    for (const res of [first, second]) {
      expect(res.status).toBe(200);
      expect(res.headers["content-length"]).toBe(String(res.body.length));
      expect(res.headers["transfer-encoding"]).toBeUndefined();
      expect(res.headers.connection).toBe("keep-alive");
      expect(res.headers["keep-alive"]).toBe(`timeout=${DEFAULT_TIMEOUTS.keepAliveMs / 1000}`);
      expect(Math.abs(Date.parse(res.headers.date ?? "") - Date.now())).toBeLessThan(5000);
    }
    expect(client.closed).toBe(false);
  });

  it("answers pipelined requests in request order even when the first is answered last", async () => {
    const called: string[] = [];
    const { port } = await serve({
      request(req, res) {
        called.push(req.url);
        if (req.url === "/1") {
          setTimeout(() => res.end("slow first"), 150);
        } else {
          res.end(`quick ${req.url}`);
        }
      },
    });
    const client = await open(port);
    client.send(get("/1") + get("/2") + get("/3"));
    const answers = await client.responses(3);
    expect(answers.map((r) => r.body)).toEqual(["slow first", "quick /2", "quick /3"]);
    expect(called).toEqual(["/1", "/2", "/3"]);
  });

  it("answers 2,000 pipelined requests answered synchronously, without nesting a call per request", async () => {
    const { port } = await serve({ request: (req, res) => res.end(req.url) });
    const client = await open(port);
    client.send(Array.from({ length: 2000 }, (_, i) => get(`/${i}`)).join(""));
    const answers = await client.responses(2000, [], 10_000);
    expect(answers[1999]?.body).toBe("/1999");
  });

  it("does not carry a chunked body's trailers or target into the next request's head", async () => {
    const seen: { url: string; raw: string[] }[] = [];
    const { port } = await serve({
      request(req, res) {
        seen.push({ url: req.url, raw: req.rawHeaders });
        req.body?.resume();
        res.end("ok");
      },
    });
    const client = await open(port);
    client.send(
      "POST /first HTTP/1.1\r\nHost: gateway.test\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nAuthorization: Bearer first\r\n\r\n",
    );
    await client.response();
    client.send("GET /second HTTP/1.1\r\nHost: gateway.test\r\nAuthorization: Bearer second\r\n\r\n");
    await client.responses(2);
    expect(seen[1]).toEqual({ url: "/second", raw: ["Host", "gateway.test", "Authorization", "Bearer second"] });
  });

  it("stops reading a client that does not read its answers", async () => {
    let handled = 0;
    const { port } = await serve({
      request(_req, res) {
        handled++;
        res.end("x".repeat(300));
      },
    });
    const socket = connect(port, "127.0.0.1");
    clients.push(new RawClient(socket));
    await once(socket, "connect");
    socket.pause();
    const requests = get("/").repeat(2000);
    for (let i = 0; i < 200; i++) {
      socket.write(requests);
    }
    await sleep(1500);
    // 400,000 requests sent: answered in full they would put 150 MB in the server's buffers.
    // Reading stops once the answers back up, after what the kernel's buffers hold.
    expect(handled).toBeLessThan(100_000);
  });

  it("streams a chunked request body to the handler, chunks split across writes included", async () => {
    const { port } = await serve({
      request(req, res) {
        void buffer(req.body as Readable).then((body) => res.end(`${body.length}:${body.toString()}`));
      },
    });
    const client = await open(port);
    client.send("POST /upload HTTP/1.1\r\nHost: gateway.test\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (const piece of ["5\r\nhello\r\n", "6\r\n bra", "ve\r\n6\r\n world\r\n", "0\r\n\r\n"]) {
      await sleep(10);
      client.send(piece);
    }
    const res = await client.response();
    expect(res.status).toBe(200);
    expect(res.body).toBe("17:hello brave world");
  });

  it("sends 100 Continue before the body of an Expect: 100-continue request", async () => {
    const { port } = await serve({
      request(req, res) {
        void buffer(req.body as Readable).then((body) => res.end(`${body.length}:${body.toString()}`));
      },
    });
    const client = await open(port);
    client.send("POST /e HTTP/1.1\r\nHost: gateway.test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    await client.received("\r\n\r\n");
    expect(client.text).toBe("HTTP/1.1 100 Continue\r\n\r\n");
    client.send("hello");
    const [interim, final] = (await client.responses(2)) as [RawResponse, RawResponse];
    expect(interim.status).toBe(100);
    expect(final.status).toBe(200);
    expect(final.body).toBe("5:hello");
  });

  it("answers 417 to an expectation other than 100-continue, without calling the handler", async () => {
    let called = false;
    const { port } = await serve({
      request(_req, res) {
        called = true;
        res.end("ok");
      },
    });
    const client = await open(port);
    client.send("POST /e HTTP/1.1\r\nHost: gateway.test\r\nContent-Length: 5\r\nExpect: something-else\r\n\r\n");
    const res = await client.response();
    expect(res.status).toBe(417);
    await client.closedWithin(1000);
    expect(called).toBe(false);
  });

  it("delimits a streamed HTTP/1.0 response by closing the connection, without chunked encoding", async () => {
    const { port } = await serve({
      request(_req, res) {
        res.writeHead(200, ["content-type", "text/plain"]);
        res.write(Buffer.from("part one,"));
        setTimeout(() => {
          res.write(Buffer.from(" part two"));
          res.end();
        }, 20);
      },
    });
    const client = await open(port);
    client.send("GET /old HTTP/1.0\r\n\r\n");
    await client.closedWithin(2000);
    const res = await client.response();
    expect(res.status).toBe(200);
    expect(res.headers["transfer-encoding"]).toBeUndefined();
    expect(res.headers["content-length"]).toBeUndefined();
    expect(res.headers.connection).toBe("close");
    expect(res.body).toBe("part one, part two");
  });

  it("chunks a streamed HTTP/1.1 response and sends each chunk as it is written", async () => {
    let ended = false;
    const { port } = await serve({
      request(_req, res) {
        res.writeHead(200, ["content-type", "text/event-stream"]);
        res.write(Buffer.from("first"));
        setTimeout(() => {
          ended = true;
          res.end(Buffer.from("last"));
        }, 200);
      },
    });
    const client = await open(port);
    client.send(get("/stream"));
    await client.received("\r\n\r\n5\r\nfirst\r\n");
    expect(ended).toBe(false);
    const res = await client.response();
    expect(res.headers["transfer-encoding"]).toBe("chunked");
    expect(res.headers["content-length"]).toBeUndefined();
    expect(res.body).toBe("firstlast");
    expect(client.text.endsWith("4\r\nlast\r\n0\r\n\r\n")).toBe(true);
  });

  it("sends no body to HEAD, keeps its Content-Length, and answers the next request on the connection", async () => {
    const { port } = await serve({
      request(_req, res) {
        res.writeHead(200, ["content-length", "5"]);
        res.end(Buffer.from("hello"));
      },
    });
    const client = await open(port);
    client.send("HEAD /h HTTP/1.1\r\nHost: gateway.test\r\n\r\n");
    await client.received("\r\n\r\n");
    // Body bytes, if any were sent, would follow the head straight away.
    await sleep(50);
    const headOnly = client.text;
    expect(headOnly.endsWith("\r\n\r\n")).toBe(true);
    client.send(get("/after"));
    const [head, next] = (await client.responses(2, [true])) as [RawResponse, RawResponse];
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe("5");
    expect(client.text.slice(headOnly.length).startsWith("HTTP/1.1 200 OK\r\n")).toBe(true);
    expect(next.body).toBe("hello");
  });

  it("answers the request in progress with Connection: close, then closes, when malformed bytes follow it", async () => {
    let held: GatewayResponse | null = null;
    const { port } = await serve({
      request(_req, res) {
        res.writeHead(200, ["content-type", "text/plain"]);
        held = res;
      },
    });
    const client = await open(port);
    client.send(`${get("/first")}BROKEN\r\n\r\n`);
    const answer = await until(
      () => held,
      () => "the first request to reach the handler",
    );
    // The answer ends after the malformed bytes are parsed, as when they arrive while it streams.
    await sleep(20);
    answer.end("first answer");
    const res = await client.response();
    expect(res.body).toBe("first answer");
    expect(res.headers.connection).toBe("close");
    await client.closedWithin(1000);
  });

  describe("refuses what node:http would refuse, with problem+json", () => {
    let called = false;
    const refusal = async (request: string, status: number) => {
      called = false;
      const { port } = await serve({
        request(_req, res) {
          called = true;
          res.end("ok");
        },
      });
      const client = await open(port);
      client.send(request);
      const res = await client.response();
      expect(res.status).toBe(status);
      expect(res.headers["content-type"]).toBe("application/problem+json");
      expect(JSON.parse(res.body)).toMatchObject({ status });
      expect(res.headers.connection).toBe("close");
      await client.closedWithin(1000);
      expect(called).toBe(false);
    };

    it("answers 400 to an HTTP/1.1 request without Host", async () => {
      await refusal("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 400);
    });

    it("answers 400 to a malformed request line", async () => {
      await refusal("GET /path HTTX/1.1\r\nHost: gateway.test\r\n\r\n", 400);
    });

    it("answers 400 to CONNECT and closes", async () => {
      await refusal("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 400);
    });

    it("answers 431 to a header block over 16 KiB", async () => {
      await refusal(`GET / HTTP/1.1\r\nHost: gateway.test\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`, 431);
    });
  });

  it("hands an upgrade to the handler with the bytes that followed the head, and the socket to write on", async () => {
    let seen: { upgrade: boolean; url: string; head: Buffer } | null = null;
    let requests = 0;
    const { port } = await serve({
      request(_req, res) {
        requests++;
        res.end("ok");
      },
      upgrade(req, _res, head) {
        seen = { upgrade: req.upgrade, url: req.url, head };
        const socket = req.socket;
        socket.on("error", () => {});
        socket.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
        socket.write(Buffer.concat([Buffer.from("head:"), head, Buffer.from("|")]));
        socket.on("data", (data: Buffer) => socket.write(data));
      },
    });
    const client = await open(port);
    const frame = Buffer.from([0x81, 0x85, 0x00, 0xff, 0x10, 0x7f, 0x0d]);
    client.send(
      Buffer.concat([
        Buffer.from("GET /ws HTTP/1.1\r\nHost: gateway.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"),
        frame,
      ]),
    );
    await client.received(`head:${frame.toString("latin1")}|`);
    expect(client.text.startsWith("HTTP/1.1 101 Switching Protocols\r\n")).toBe(true);
    expect(seen).toEqual({ upgrade: true, url: "/ws", head: frame });
    // Later bytes reach whoever reads the socket now, not the HTTP parser.
    client.send("GET /not-http HTTP/1.1\r\n\r\n");
    await client.received("|GET /not-http HTTP/1.1\r\n\r\n");
    expect(requests).toBe(0);
  });

  it("calls onClose when the client goes away before the response ends", async () => {
    let closed = false;
    let late: unknown = null;
    const { port } = await serve({
      request(_req, res) {
        res.onClose = () => {
          closed = true;
          // Whatever feeds the response may still write and end after the client left.
          try {
            res.write(Buffer.from("late"));
            res.end();
          } catch (error) {
            late = error;
          }
        };
        res.writeHead(200, ["content-type", "text/plain"]);
        res.write(Buffer.from("partial"));
      },
    });
    const client = await open(port);
    client.send(get("/long"));
    await client.received("partial");
    client.socket.destroy();
    await until(
      () => closed,
      () => "onClose",
      2000,
    );
    expect(late).toBeNull();
  });

  it("answers a refusal without reading the 1 MiB body, drops the body and answers the next request", async () => {
    const { port } = await serve({
      request(req, res) {
        if (req.method === "POST") {
          res.writeHead(401, ["content-type", "text/plain"]);
          res.end("who are you");
        } else {
          res.end("second");
        }
      },
    });
    const client = await open(port);
    const body = Buffer.alloc(1 << 20, 0x61);
    client.send(post("/upload", body));
    const refused = await client.response();
    expect(refused.status).toBe(401);
    expect(refused.headers.connection).toBe("keep-alive");
    client.send(get("/next"));
    const [, next] = (await client.responses(2)) as [RawResponse, RawResponse];
    expect(next.status).toBe(200);
    expect(next.body).toBe("second");
    expect(client.closed).toBe(false);
  });

  it("drops the rest of a body that backed up before a late refusal, and answers the next request", async () => {
    const { port } = await serve({
      request(req, res) {
        if (req.method === "POST") {
          setTimeout(() => {
            res.writeHead(401, ["content-type", "text/plain"]);
            res.end("who are you");
          }, 100);
        } else {
          res.end("second");
        }
      },
    });
    const client = await open(port);
    const body = Buffer.alloc(4 << 20, 0x61);
    client.send(post("/upload", body));
    client.send(get("/next"));
    const [refused, next] = (await client.responses(2)) as [RawResponse, RawResponse];
    expect(refused.status).toBe(401);
    expect(next.body).toBe("second");
  });

  it("rejects a header value with CR LF, leaving the head unsent", async () => {
    const outcome: { arrayError?: unknown; objectError?: unknown; headersSent?: boolean } = {};
    const { port } = await serve({
      request(_req, res) {
        try {
          res.writeHead(200, ["x-note", "a\r\nset-cookie: injected=1"]);
        } catch (error) {
          outcome.arrayError = error;
        }
        try {
          res.writeHead(200, { "x-note": "a\r\nset-cookie: injected=1" });
        } catch (error) {
          outcome.objectError = error;
        }
        outcome.headersSent = res.headersSent;
        res.writeHead(500, ["content-type", "text/plain"]);
        res.end("bad header");
      },
    });
    const client = await open(port);
    client.send(get("/"));
    const res = await client.response();
    expect(outcome.arrayError).toBeInstanceOf(TypeError);
    expect(outcome.objectError).toBeInstanceOf(TypeError);
    expect(outcome.headersSent).toBe(false);
    expect(res.status).toBe(500);
    expect(res.body).toBe("bad header");
    expect(client.text).not.toContain("injected");
  });

  it("delivers an 8 MiB body intact to a slow reader, reading the socket no faster than the reader", async () => {
    const body = randomBytes(8 << 20);
    let mostBuffered = 0;
    const { port } = await serve({
      request(req, res) {
        const stream = req.body as Readable;
        void (async () => {
          const hash = createHash("sha256");
          let length = 0;
          for await (const part of stream) {
            hash.update(part as Buffer);
            length += (part as Buffer).length;
            await sleep(2);
            mostBuffered = Math.max(mostBuffered, stream.readableLength);
          }
          res.end(`${length} ${hash.digest("hex")}`);
        })();
      },
    });
    const client = await open(port);
    client.send(post("/big", body));
    const res = await client.response(false, 8000);
    expect(res.body).toBe(`${body.length} ${createHash("sha256").update(body).digest("hex")}`);
    // Without backpressure the whole body would pile up in the stream while the reader sleeps.
    expect(mostBuffered).toBeLessThan(1 << 20);
  });

  describe("timeouts", () => {
    // Deadlines are checked once a second, so short ones expire within about a second.
    const SHORT: ConnectionTimeouts = { headersMs: 300, requestMs: 300, keepAliveMs: 300 };

    it("answers 408 and closes when a request head does not arrive in time", async () => {
      const { port } = await serve({}, SHORT);
      const client = await open(port);
      client.send("GET /slow HTTP/1.1\r\nHost: gateway.test\r\n");
      await client.closedWithin(2500);
      const res = await client.response();
      expect(res.status).toBe(408);
      expect(res.headers["content-type"]).toBe("application/problem+json");
    });

    it("answers 408 and closes when a request body does not arrive in time", async () => {
      let bodyError: unknown = null;
      const { port } = await serve(
        {
          request(req, res) {
            buffer(req.body as Readable).then(
              () => res.end("ok"),
              (error) => {
                bodyError = error;
              },
            );
          },
        },
        SHORT,
      );
      const client = await open(port);
      client.send("POST /slow HTTP/1.1\r\nHost: gateway.test\r\nContent-Length: 10\r\n\r\nabc");
      await client.closedWithin(2500);
      const res = await client.response();
      expect(res.status).toBe(408);
      await until(
        () => bodyError !== null,
        () => "the handler's body to fail",
        1000,
      );
    });

    it("tells the handler through onClose, before its body fails, when a request is timed out", async () => {
      const events: string[] = [];
      const { port } = await serve(
        {
          request(req, res) {
            res.onClose = () => events.push("onClose");
            buffer(req.body as Readable).then(
              () => res.end("ok"),
              () => events.push("body failed"),
            );
          },
        },
        SHORT,
      );
      const client = await open(port);
      client.send("POST /slow HTTP/1.1\r\nHost: gateway.test\r\nContent-Length: 10\r\n\r\nabc");
      await client.closedWithin(2500);
      await until(
        () => events.includes("body failed"),
        () => "the handler's body to fail",
        1000,
      );
      // As for a malformed request: the client's own delay must not pass for an upstream failure.
      expect(events).toEqual(["onClose", "body failed"]);
    });

    it("closes a kept-alive connection left idle after its answer", async () => {
      const { port } = await serve({}, SHORT);
      const client = await open(port);
      client.send(get("/"));
      const res = await client.response();
      expect(res.headers.connection).toBe("keep-alive");
      const answered = client.text;
      await client.closedWithin(2500);
      expect(client.text).toBe(answered);
    });
  });

  it("on close(), closes idle connections at once and a busy one after its answer, with Connection: close", async () => {
    let held: GatewayResponse | null = null;
    const { listener, port } = await serve({
      request(req, res) {
        if (req.url === "/slow") {
          held = res;
        } else {
          res.end("fast");
        }
      },
    });
    const silent = await open(port);
    const idle = await open(port);
    idle.send(get("/fast"));
    await idle.response();
    const busy = await open(port);
    busy.send(get("/slow"));
    const answer = await until(
      () => held,
      () => "the slow request to reach the handler",
    );
    const closing = listener.close();
    await idle.closedWithin(500);
    await silent.closedWithin(500);
    expect(busy.closed).toBe(false);
    answer.end("slow answer");
    const res = await busy.response();
    expect(res.body).toBe("slow answer");
    expect(res.headers.connection).toBe("close");
    await busy.closedWithin(500);
    await closing;
  });
});
