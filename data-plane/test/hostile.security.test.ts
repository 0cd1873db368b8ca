import { connect } from "node:net";
import { generateKeyPair, SignJWT, UnsecuredJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY, call, deployedGateway, startEchoUpstream, tenantIssuer, waitForAck } from "./harness.js";

/**
 * Hostile input, generated: malformed and smuggling headers, path tricks, forged tokens. A
 * second tenant ("beta") has its own upstream that none of these requests may ever reach.
 */

/** Sends bytes as they are and collects every status line the gateway answers with. */
async function sendRaw(url: string, bytes: string | Buffer, waitMs = 400): Promise<number[]> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  const chunks: Buffer[] = [];
  socket.on("data", (c: Buffer) => chunks.push(c));
  socket.write(bytes);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      socket.destroy();
      resolve();
    }, waitMs);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve();
    });
    socket.on("error", () => {});
  });
  const text = Buffer.concat(chunks).toString("latin1");
  return [...text.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));
}

/** Runs cases `width` at a time. */
async function inParallel<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

const TARGETS = [
  "/t/acme/open/v1/x",
  "/t/acme/open/v1/",
  "/t/acme/shop/pets/v1/items",
  "/t/acme/shop/pets/v1/items/1?q=2",
  "/t/acme/old/v1/a",
  "/t/acme/limited/v1/b",
  "/t/acme/blocked/v1/c",
  "/t/acme/nope/v1/d",
  "/t/acme/open/v1/a/b/c",
  "/t/acme/open/v1/%7Euser",
];

/** Pipelined after the body: a protected API of the other tenant, without credentials (must be 401). */
const SMUGGLED = "GET /t/beta/shop/pets/v1/smuggled HTTP/1.1\r\nHost: gw.test\r\n\r\n";

/** Header mutations, each a full request for a target path. */
const HEADER_CASES: [string, (path: string) => string][] = [
  ["duplicate Host", (p) => `GET ${p} HTTP/1.1\r\nHost: gw.test\r\nHost: beta.gw.test\r\nConnection: close\r\n\r\n`],
  ["no Host", (p) => `GET ${p} HTTP/1.1\r\nConnection: close\r\n\r\n`],
  ["Host of another tenant", (p) => `GET ${p} HTTP/1.1\r\nHost: beta\r\nConnection: close\r\n\r\n`],
  [
    "absolute-form to beta",
    () => `GET http://gw.test/t/beta/open/v1/x HTTP/1.1\r\nHost: gw.test\r\nConnection: close\r\n\r\n`,
  ],
  ["absolute-form own path", (p) => `GET http://evil.test${p} HTTP/1.1\r\nHost: gw.test\r\nConnection: close\r\n\r\n`],
  ["authority-form", () => "CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\nConnection: close\r\n\r\n"],
  [
    "bare LF in value",
    (p) => `GET ${p} HTTP/1.1\r\nHost: gw.test\r\nX-A: a\nX-Injected: b\r\nConnection: close\r\n\r\n`,
  ],
  [
    "bare CR in value",
    (p) => `GET ${p} HTTP/1.1\r\nHost: gw.test\r\nX-A: a\rX-Injected: b\r\nConnection: close\r\n\r\n`,
  ],
  ["NUL in value", (p) => `GET ${p} HTTP/1.1\r\nHost: gw.test\r\nX-A: a\u0000b\r\nConnection: close\r\n\r\n`],
  ["obs-fold", (p) => `GET ${p} HTTP/1.1\r\nHost: gw.test\r\nX-A: a\r\n  folded\r\nConnection: close\r\n\r\n`],
  ["space before colon", (p) => `GET ${p} HTTP/1.1\r\nHost: gw.test\r\nX-A : a\r\nConnection: close\r\n\r\n`],
  ["space in name", (p) => `GET ${p} HTTP/1.1\r\nHost: gw.test\r\nX A: a\r\nConnection: close\r\n\r\n`],
  ["empty name", (p) => `GET ${p} HTTP/1.1\r\nHost: gw.test\r\n: a\r\nConnection: close\r\n\r\n`],
  ["non-ASCII name", (p) => `GET ${p} HTTP/1.1\r\nHost: gw.test\r\nX-\u00e9: a\r\nConnection: close\r\n\r\n`],
  [
    "huge header 16 KiB",
    (p) => `GET ${p} HTTP/1.1\r\nHost: gw.test\r\nX-Big: ${"a".repeat(16_384)}\r\nConnection: close\r\n\r\n`,
  ],
  [
    "huge header 64 KiB",
    (p) => `GET ${p} HTTP/1.1\r\nHost: gw.test\r\nX-Big: ${"a".repeat(65_536)}\r\nConnection: close\r\n\r\n`,
  ],
  [
    "3000 headers",
    (p) =>
      `GET ${p} HTTP/1.1\r\nHost: gw.test\r\n${Array.from({ length: 3000 }, (_, i) => `X-H${i}: v`).join("\r\n")}\r\nConnection: close\r\n\r\n`,
  ],
  [
    "CL and TE together, smuggled request",
    (p) =>
      `POST ${p} HTTP/1.1\r\nHost: gw.test\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`,
  ],
  [
    "TE chunked twice",
    (p) =>
      `POST ${p} HTTP/1.1\r\nHost: gw.test\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`,
  ],
  [
    "TE with obfuscation",
    (p) =>
      `POST ${p} HTTP/1.1\r\nHost: gw.test\r\nTransfer-Encoding: xchunked\r\nContent-Length: 3\r\n\r\nabc${SMUGGLED}`,
  ],
  [
    "TE identity, chunked",
    (p) => `POST ${p} HTTP/1.1\r\nHost: gw.test\r\nTransfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`,
  ],
  [
    "TE leading space",
    (p) => `POST ${p} HTTP/1.1\r\nHost: gw.test\r\nTransfer-Encoding:  chunked \r\n\r\n0\r\n\r\n${SMUGGLED}`,
  ],
  [
    "two different Content-Lengths",
    (p) => `POST ${p} HTTP/1.1\r\nHost: gw.test\r\nContent-Length: 3\r\nContent-Length: 40\r\n\r\nabc${SMUGGLED}`,
  ],
  ["Content-Length list", (p) => `POST ${p} HTTP/1.1\r\nHost: gw.test\r\nContent-Length: 3, 40\r\n\r\nabc${SMUGGLED}`],
  ["negative Content-Length", (p) => `POST ${p} HTTP/1.1\r\nHost: gw.test\r\nContent-Length: -1\r\n\r\n${SMUGGLED}`],
  ["signed Content-Length", (p) => `POST ${p} HTTP/1.1\r\nHost: gw.test\r\nContent-Length: +3\r\n\r\nabc${SMUGGLED}`],
  ["hex Content-Length", (p) => `POST ${p} HTTP/1.1\r\nHost: gw.test\r\nContent-Length: 0x3\r\n\r\nabc${SMUGGLED}`],
  [
    "bad chunk size",
    (p) => `POST ${p} HTTP/1.1\r\nHost: gw.test\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n${SMUGGLED}`,
  ],
  [
    "chunk size overflow",
    (p) =>
      `POST ${p} HTTP/1.1\r\nHost: gw.test\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nabc\r\n0\r\n\r\n`,
  ],
  [
    "TE on HTTP/1.0",
    (p) => `POST ${p} HTTP/1.0\r\nHost: gw.test\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`,
  ],
  ["HTTP/2.0 text", (p) => `GET ${p} HTTP/2.0\r\nHost: gw.test\r\nConnection: close\r\n\r\n`],
  ["bad version", (p) => `GET ${p} HTTP/1.x\r\nHost: gw.test\r\nConnection: close\r\n\r\n`],
  ["lower-case method", (p) => `get ${p} HTTP/1.1\r\nHost: gw.test\r\nConnection: close\r\n\r\n`],
  ["TRACE", (p) => `TRACE ${p} HTTP/1.1\r\nHost: gw.test\r\nConnection: close\r\n\r\n`],
  [
    "spoofed forwarding headers",
    (p) =>
      `GET ${p} HTTP/1.1\r\nHost: gw.test\r\nX-Forwarded-Prefix: /t/beta\r\nX-Forwarded-Host: beta\r\nX-Forwarded-For: 10.0.0.1\r\nX-Request-Id: a\tb\r\nConnection: close\r\n\r\n`,
  ],
  [
    "duplicate credentials",
    (p) =>
      `GET ${p} HTTP/1.1\r\nHost: gw.test\r\nX-Api-Key: ${API_KEY}\r\nX-Api-Key: other\r\nAuthorization: Bearer a\r\nAuthorization: Bearer b\r\nConnection: close\r\n\r\n`,
  ],
  [
    "Upgrade to beta",
    (p) =>
      `GET ${p} HTTP/1.1\r\nHost: gw.test\r\nConnection: Upgrade, close\r\nUpgrade: h2c\r\nHTTP2-Settings: AAA\r\n\r\n`,
  ],
];

const PATH_PAYLOADS = [
  "../../beta/open/v1/x",
  "..%2f..%2fbeta%2fopen%2fv1%2fx",
  "%2e%2e/%2e%2e/beta/open/v1/x",
  "%2E%2E%2F%2E%2E%2Fbeta/open/v1/x",
  ".%2e/.%2e/beta/open/v1/x",
  "%2e./%2e./beta/open/v1/x",
  "..\\..\\beta\\open\\v1\\x",
  "..%5c..%5cbeta%5copen%5cv1%5cx",
  "%252e%252e/%252e%252e/beta/open/v1/x",
  "..;/..;/beta/open/v1/x",
  "/../../beta/open/v1/x",
  "./../beta/open/v1/x",
  "x/%00/../beta",
  "%c0%ae%c0%ae/%c0%ae%c0%ae/beta/open/v1/x",
  "%ef%bc%8e%ef%bc%8e/beta/open/v1/x",
  "x?/../../beta/open/v1/x",
  "x#/../../beta/open/v1/x",
  "x;/../../beta/open/v1/x",
  "%2f%2e%2e%2f%2e%2e%2fbeta",
  "....//....//beta/open/v1/x",
  ".../beta/open/v1/x",
  "%u002e%u002e/beta",
  "..%00/beta",
  "..%09/beta",
  "%2e%2e%5c%2e%2e%5cbeta",
  "..%252f..%252fbeta",
];
const PATH_PREFIXES = ["/t/acme/open/v1/", "/t/acme/shop/pets/v1/", "/t/acme/", "/t/"];

/** 11 claim sets × (5 kids + 5 other keys) + 6 own-key failures + 17 tampered, each in 2 header spellings. */
const BAD_TOKEN_CASES = (11 * 10 + 6 + 17) * 2;

describe("hostile input", () => {
  let t: Awaited<ReturnType<typeof deployedGateway>>;
  let beta: Awaited<ReturnType<typeof startEchoUpstream>>;
  let betaIssuer: Awaited<ReturnType<typeof tenantIssuer>>;

  beforeAll(async () => {
    t = await deployedGateway();
    beta = await startEchoUpstream();
    betaIssuer = await tenantIssuer("https://cp.test/t/beta");
    await t.deploy(
      1,
      { tenantId: "tenant-beta", slug: "beta", upstream: beta.origin, issuer: betaIssuer },
      "tenant-beta",
    );
    await waitForAck(t.acks, (a) => a.ok && a.tenant === "tenant-beta");
    // Beta is live: a legitimate call reaches its upstream (then the counter is reset).
    expect((await call(`${t.gw.url}/t/beta/open/v1/x`)).status).toBe(200);
    beta.received.length = 0;
  }, 30_000);

  afterAll(async () => {
    await t?.close();
    await beta?.close();
  });

  const stillHealthy = async () => {
    expect((await call(`${t.gw.url}/healthz`)).status).toBe(200);
    expect((await call(`${t.gw.url}/t/acme/open/v1/ok`)).status).toBe(200);
  };

  const headerCases = HEADER_CASES.flatMap(([name, build]) => TARGETS.map((p) => ({ name, bytes: build(p) })));
  it(`${headerCases.length} header cases: no 5xx, nothing reaches another tenant, no crash`, async () => {
    expect(headerCases.length).toBeGreaterThanOrEqual(300);
    const results = await inParallel(headerCases, 25, async (c) => ({
      name: c.name,
      statuses: await sendRaw(t.gw.url, c.bytes),
    }));
    const fiveXx = results.filter((r) => r.statuses.some((s) => s >= 500 && s !== 503));
    expect(fiveXx.map((r) => `${r.name}: ${r.statuses}`)).toEqual([]);
    // 503 only for the API that is blocked on purpose.
    expect(beta.received).toEqual([]);
    expect(t.upstream.received.filter((r) => r.url.includes("smuggled"))).toEqual([]);
    const all = results.flatMap((r) => r.statuses);
    const by = (lo: number, hi: number) => all.filter((st) => st >= lo && st < hi).length;
    process.stdout.write(
      `header cases: ${headerCases.length}, responses ${all.length}: ${by(200, 300)} × 2xx, ${by(400, 500)} × 4xx, ${all.filter((st) => st === 503).length} × 503 (blocked API), ${results.filter((r) => r.statuses.length === 0).length} closed without response\n`,
    );
    await stillHealthy();
  });

  const pathCases = PATH_PREFIXES.flatMap((prefix) => PATH_PAYLOADS.map((payload) => prefix + payload));
  it(`${pathCases.length} path cases: only 4xx, nothing outside the API reaches an upstream`, async () => {
    expect(pathCases.length).toBeGreaterThanOrEqual(100);
    const acmeBefore = t.upstream.received.length;
    const results = await inParallel(pathCases, 25, async (p) => ({
      path: p,
      statuses: await sendRaw(
        t.gw.url,
        `GET ${p} HTTP/1.1\r\nHost: gw.test\r\nX-Api-Key: ${API_KEY}\r\nConnection: close\r\n\r\n`,
      ),
    }));
    const bad = results.filter(
      (r) => r.statuses.length !== 1 || (r.statuses[0] as number) < 400 || (r.statuses[0] as number) >= 500,
    );
    // The only 2xx allowed: paths whose "..." never left the API (e.g. "..." or "....//" as plain names).
    const forwarded = t.upstream.received.slice(acmeBefore);
    for (const r of forwarded) {
      expect(r.url.split("?")[0]).not.toMatch(/(^|\/)\.\.?(\/|$)|%2f|%5c|\\/i);
    }
    expect(bad.filter((r) => !r.statuses.every((s) => s === 200)).map((r) => `${r.path}: ${r.statuses}`)).toEqual([]);
    expect(bad.length).toBe(forwarded.length);
    expect(beta.received).toEqual([]);
    await stillHealthy();
  });

  it(`${BAD_TOKEN_CASES} bad tokens: 401/403 only, never forwarded`, async () => {
    const { issuer, audience } = t.issuer;
    const kid = t.issuer.publicJwk.kid as string;
    const attackerEs = await generateKeyPair("ES256");
    const attackerEd = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    const pub = new TextEncoder().encode(JSON.stringify(t.issuer.publicJwk));
    const now = Math.floor(Date.now() / 1000);
    const base = { client_id: "cid_app1", scope: "", jti: "j" };
    const claimVariants: [string, Record<string, unknown>][] = [
      ["valid claims", { ...base, iss: issuer, aud: audience, exp: now + 300 }],
      ["expired", { ...base, iss: issuer, aud: audience, exp: now - 3600 }],
      ["nbf in future", { ...base, iss: issuer, aud: audience, exp: now + 300, nbf: now + 3600 }],
      ["wrong aud", { ...base, iss: issuer, aud: "other", exp: now + 300 }],
      ["wrong iss", { ...base, iss: "https://evil.test/", aud: audience, exp: now + 300 }],
      ["beta's iss", { ...base, iss: betaIssuer.issuer, aud: audience, exp: now + 300 }],
      ["no exp", { ...base, iss: issuer, aud: audience }],
      ["exp as string", { ...base, iss: issuer, aud: audience, exp: String(now + 300) }],
      ["revoked jti", { ...base, jti: "revoked-jti", iss: issuer, aud: audience, exp: now + 300 }],
      ["unknown client", { ...base, client_id: "nobody", iss: issuer, aud: audience, exp: now + 300 }],
      ["no iss", { ...base, aud: audience, exp: now + 300 }],
    ];
    const kidVariants = [kid, "../../../../etc/passwd", "' OR '1'='1", "k".repeat(2000), ""];
    const tokens: { name: string; token: string }[] = [];
    for (const [claimsName, claims] of claimVariants) {
      for (const k of kidVariants) {
        tokens.push({
          name: `attacker ES256 kid=${k.slice(0, 12)} ${claimsName}`,
          token: await new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid: k }).sign(attackerEs.privateKey),
        });
      }
      tokens.push(
        {
          name: `attacker EdDSA ${claimsName}`,
          token: await new SignJWT(claims).setProtectedHeader({ alg: "EdDSA", kid }).sign(attackerEd.privateKey),
        },
        {
          name: `HS256 with the public key ${claimsName}`,
          token: await new SignJWT(claims).setProtectedHeader({ alg: "HS256", kid }).sign(pub),
        },
        { name: `alg none ${claimsName}`, token: new UnsecuredJWT(claims).encode() },
        {
          name: `beta's key ${claimsName}`,
          token: await betaIssuer.token({ ...claims }, { iss: String(claims.iss ?? betaIssuer.issuer) }),
        },
        {
          name: `jku/x5u pointing elsewhere ${claimsName}`,
          token: await new SignJWT(claims)
            .setProtectedHeader({ alg: "ES256", kid, jku: "http://evil.test/jwks", x5u: "http://evil.test/x" })
            .sign(attackerEs.privateKey),
        },
      );
    }
    // The tenant's own key, claims that must still fail.
    tokens.push(
      { name: "own key expired", token: await t.issuer.token({}, { exp: now - 3600 }) },
      { name: "own key wrong aud", token: await t.issuer.token({}, { aud: "other" }) },
      { name: "own key wrong iss", token: await t.issuer.token({}, { iss: "https://evil.test/" }) },
      { name: "own key nbf future", token: await t.issuer.token({ nbf: now + 3600 }) },
      { name: "own key revoked", token: await t.issuer.token({ jti: "revoked-jti" }) },
      { name: "own key unknown client", token: await t.issuer.token({ client_id: "nobody" }) },
    );
    const good = await t.issuer.token();
    const [h, p, s] = good.split(".") as [string, string, string];
    const flip = (x: string) => (x[0] === "A" ? "B" : "A") + x.slice(1);
    const tampered = [
      `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, "base64url").toString()), client_id: "cid_app2" })).toString("base64url")}.${s}`,
      `${Buffer.from(JSON.stringify({ alg: "none", kid })).toString("base64url")}.${p}.${s}`,
      `${h}.${p}.${flip(s)}`,
      `${h}.${p}.`,
      `${h}.${p}`,
      `${h}..${s}`,
      `.${p}.${s}`,
      `${h}.${p}.${s}.extra`,
      `${h}.${p}.${s.slice(0, 20)}`,
      `${h}=.${p}.${s}`,
      "not-a-jwt",
      "a.b.c",
      "eyJhbGciOiJub25lIn0.e30.",
      "x".repeat(6000),
      "%00",
      "{}",
      Buffer.from(JSON.stringify({ alg: "ES256" })).toString("base64"),
    ];
    for (const [i, token] of tampered.entries()) {
      tokens.push({ name: `tampered #${i}`, token });
    }
    const placements = (token: string) => [`Bearer ${token}`, `bearer \t${token}`];
    const cases = tokens.flatMap(({ name, token }) =>
      placements(token).map((authorization) => ({ name, authorization })),
    );
    expect(cases.length).toBe(BAD_TOKEN_CASES);
    const before = t.upstream.received.length;
    const results = await inParallel(cases, 25, async (c) => ({
      name: c.name,
      status: (await call(`${t.gw.url}/t/acme/shop/pets/v1/items`, { headers: { authorization: c.authorization } }))
        .status,
    }));
    const wrong = results.filter((r) => r.status !== 401 && r.status !== 403);
    expect(wrong.map((r) => `${r.name}: ${r.status}`)).toEqual([]);
    expect(t.upstream.received.length).toBe(before);
    expect(beta.received).toEqual([]);
    process.stdout.write(
      `bad tokens: ${cases.length} cases, ${results.filter((r) => r.status === 401).length} × 401, ${results.filter((r) => r.status === 403).length} × 403\n`,
    );
    await stillHealthy();
  });
});
