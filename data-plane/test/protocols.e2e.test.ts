import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployedGateway, waitFor } from "./harness.js";

/** Server-Sent Events and chunked bodies stream through; SOAP passes through untouched. */
describe("protocols through the gateway", () => {
  let t: Awaited<ReturnType<typeof deployedGateway>>;
  let upstream: Server;
  let release: () => void = () => {};
  const soapSeen: { contentType?: string; soapAction?: string; body: string }[] = [];

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      if (req.url === "/events") {
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        res.write("data: first\n\n");
        // The rest only once the test has seen the first event at the client.
        release = () => {
          res.write("data: second\n\n");
          res.end();
        };
        return;
      }
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        soapSeen.push({
          contentType: req.headers["content-type"],
          soapAction: req.headers.soapaction as string | undefined,
          body: Buffer.concat(chunks).toString(),
        });
        const body =
          '<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><r>ok</r></soap:Body></soap:Envelope>';
        res.writeHead(200, { "content-type": 'text/xml; charset="utf-8"', "content-length": Buffer.byteLength(body) });
        res.end(body);
      });
    });
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
    const origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    t = await deployedGateway({}, {});
    const before = t.acks.messages.length;
    await t.deploy(2, {
      extraApis: [
        {
          id: "api_stream",
          name: "stream",
          context: "stream",
          version: "v1",
          status: "PUBLISHED",
          upstream: { url: origin },
          revision: { id: "rev_stream", number: 1 },
          authRequired: false,
        },
      ],
    });
    await waitFor(() => t.acks.messages.slice(before).find((a) => a.version === 2 && a.ok), 10_000, "ack");
  });

  afterAll(async () => {
    await t?.close();
    upstream?.closeAllConnections();
    upstream?.close();
  });

  it("streams Server-Sent Events: the first event reaches the client before the upstream finishes", async () => {
    const res = await request(`${t.gw.url}/t/acme/stream/v1/events`);
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("text/event-stream");
    const iterator = res.body[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(Buffer.from(first.value as Buffer).toString()).toBe("data: first\n\n");
    release();
    let rest = "";
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      rest += Buffer.from(next.value as Buffer).toString();
    }
    expect(rest).toBe("data: second\n\n");
  });

  it("passes SOAP through with its content type, SOAPAction and body", async () => {
    const envelope =
      '<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><GetPrice><Item>Apples</Item></GetPrice></soap:Body></soap:Envelope>';
    const res = await request(`${t.gw.url}/t/acme/stream/v1/soap`, {
      method: "POST",
      headers: { "content-type": 'text/xml; charset="utf-8"', soapaction: '"urn:GetPrice"' },
      body: envelope,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe('text/xml; charset="utf-8"');
    expect(await res.body.text()).toContain("<r>ok</r>");
    expect(soapSeen.at(-1)).toEqual({
      contentType: 'text/xml; charset="utf-8"',
      soapAction: '"urn:GetPrice"',
      body: envelope,
    });
  });
});
