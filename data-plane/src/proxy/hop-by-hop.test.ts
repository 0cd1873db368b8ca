import { describe, expect, it } from "vitest";
import { clientResponseHeaders, upstreamRequestHeaders } from "./hop-by-hop.js";

const raw = (...pairs: string[]) => pairs;

describe("clientResponseHeaders", () => {
  it("keeps names as sent and drops hop-by-hop ones", () => {
    const upstream = raw(
      "Content-Type",
      "text/plain",
      "Connection",
      "keep-alive",
      "Keep-Alive",
      "timeout=5",
      "Proxy-Thing",
      "x",
      "X-Caf\u00e9",
      "cr\u00e8me",
    );
    const expected = ["Content-Type", "text/plain", "X-Caf\u00e9", "cr\u00e8me"];
    expect(clientResponseHeaders(upstream)).toEqual(expected);
  });

  it("drops what the Connection header lists, in any case", () => {
    expect(clientResponseHeaders(raw("X-Hop", "1", "connection", "close, X-HOP", "X-Kept", "2"))).toEqual([
      "X-Kept",
      "2",
    ]);
  });

  it("tells names of the same length apart", () => {
    for (let i = 0; i < 100; i++) {
      const name = `X-N${String(i).padStart(3, "0")}`;
      expect(clientResponseHeaders(raw(name, String(i), "Upgrade", "h2c"))).toEqual([name, String(i)]);
    }
  });
});

describe("upstreamRequestHeaders", () => {
  it("drops hop-by-hop headers, those Connection lists, and the consumed bearer token", () => {
    const headers = ["Host", "a", "Authorization", "Bearer t", "X-Drop", "1", "Connection", "x-drop", "Accept", "*/*"];
    expect(upstreamRequestHeaders(headers, "x-drop", true)).toEqual(["Accept", "*/*"]);
    expect(upstreamRequestHeaders(["Connection", "keep-alive", "Accept", "*/*"], "keep-alive", false)).toEqual([
      "Accept",
      "*/*",
    ]);
  });
});
