import { describe, expect, it } from "vitest";
import { testDeps, testExchange } from "../testing.js";
import { createBasicAuthHandler, hashPassword } from "./handler.js";

const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
});

describe("basic-auth handler", () => {
  it("accepts the right password (then from cache), refuses a wrong one and unknown users", async () => {
    const h = createBasicAuthHandler(
      {
        credentials: [
          { username: "ann", passwordHash: await hashPassword("s3cret:with colon"), applicationId: "app1" },
        ],
      },
      testDeps(),
    );
    const ok = testExchange(basic("ann", "s3cret:with colon"));
    expect(await h.onRequest(ok)).toEqual({ ok: true });
    expect(ok).toMatchObject({ applicationId: "app1", authenticated: true, consumedBearer: true });
    // second time: answered synchronously from the cache
    expect(h.onRequest(testExchange(basic("ann", "s3cret:with colon")))).toEqual({ ok: true });
    expect(await h.onRequest(testExchange(basic("ann", "wrong")))).toMatchObject({
      ok: false,
      code: "invalid-credentials",
    });
    expect(await h.onRequest(testExchange(basic("bob", "x")))).toMatchObject({
      ok: false,
      code: "invalid-credentials",
    });
    expect(h.onRequest(testExchange({ authorization: "Bearer x" }))).toEqual({ ok: true });
  });
});
