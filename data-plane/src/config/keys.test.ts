import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportJWK, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBundleKeys, TrustedBundleKeys } from "./keys.js";

describe("bundle keys", () => {
  let dir: string;
  let publicJwks: string;
  let privateJwks: string;
  let serve: { status: number; body: string };
  let server: ReturnType<typeof createServer>;
  let url: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "portico-keys-"));
    const { publicKey, privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
    publicJwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: "k1" }] });
    privateJwks = JSON.stringify({ keys: [{ ...(await exportJWK(privateKey)), kid: "k1" }] });
    serve = { status: 200, body: publicJwks };
    server = createServer((_req, res) => {
      res.writeHead(serve.status).end(serve.body);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/portico/bundle-keys`;
  });

  afterAll(async () => {
    server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("reads a JWKS file", async () => {
    const file = join(dir, "keys.json");
    await writeFile(file, publicJwks);
    const keys = await loadBundleKeys({ location: file, cachePath: join(dir, "unused.json") });
    expect(keys.ok && keys.value.keys[0]?.kid).toBe("k1");
  });

  it("refuses a JWKS with private key material", async () => {
    const file = join(dir, "private.json");
    await writeFile(file, privateJwks);
    const keys = await loadBundleKeys({ location: file, cachePath: join(dir, "unused.json") });
    expect(keys.ok).toBe(false);
  });

  it("fetches a URL, caches it, and falls back to the cache when the URL fails", async () => {
    const cachePath = join(dir, "cache", "bundle-keys.json");
    serve = { status: 200, body: publicJwks };
    expect((await loadBundleKeys({ location: url, cachePath })).ok).toBe(true);
    expect(JSON.parse(await readFile(cachePath, "utf8")).keys[0].kid).toBe("k1");
    serve = { status: 503, body: "down" };
    const fallback = await loadBundleKeys({ location: url, cachePath });
    expect(fallback.ok && fallback.value.keys[0]?.kid).toBe("k1");
  });

  it("fails with a message naming the URL when there is neither a fetch nor a cache", async () => {
    serve = { status: 503, body: "down" };
    const keys = await loadBundleKeys({ location: url, cachePath: join(dir, "none", "k.json") });
    expect(keys.ok).toBe(false);
    expect(!keys.ok && keys.error).toContain(url);
  });

  it("trusts announced keys, persists them, and ignores private or non-Ed25519 ones", async () => {
    const path = join(dir, "trusted", "announced.json");
    const installed = JSON.parse(publicJwks);
    const next = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
    const nextJwk = { ...(await exportJWK(next.publicKey)), kid: "k2" };
    const trusted = await TrustedBundleKeys.load(installed, path);
    expect(trusted.kids).toEqual(["k1"]);
    expect(await trusted.announce(JSON.parse(privateJwks))).toBe(false);
    expect(await trusted.announce({ keys: [{ kty: "RSA", kid: "r1", n: "x", e: "AQAB" }] })).toBe(false);
    expect(await trusted.announce({ keys: [nextJwk] })).toBe(true);
    expect(await trusted.announce({ keys: [nextJwk] })).toBe(false);
    expect(trusted.kids).toEqual(["k1", "k2"]);
    const reloaded = await TrustedBundleKeys.load(installed, path);
    expect(reloaded.kids).toEqual(["k1", "k2"]);
  });
});
