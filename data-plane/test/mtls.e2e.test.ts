import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY, call, deployedGateway, expectProblem, tempDir } from "./harness.js";

interface Pem {
  cert: string;
  key: string;
}

/** A CA, a server certificate for 127.0.0.1 and client certificates, made with openssl for this run only. */
function makePki(dir: string) {
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  const selfSigned = (name: string, cn: string): Pem => {
    openssl("req", "-x509", ...ec, "-keyout", `${name}.key`, "-out", `${name}.crt`, "-subj", `/CN=${cn}`, "-days", "1");
    return {
      cert: readFileSync(join(dir, `${name}.crt`), "utf8"),
      key: readFileSync(join(dir, `${name}.key`), "utf8"),
    };
  };
  const issued = (name: string, cn: string, ext?: string): Pem => {
    openssl("req", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`);
    const extArgs = ext === undefined ? [] : ["-extfile", `${name}.ext`];
    if (ext !== undefined) {
      writeFileSync(join(dir, `${name}.ext`), ext);
    }
    openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${name}.crt`,
      "-days",
      "1",
      ...extArgs,
    );
    return {
      cert: readFileSync(join(dir, `${name}.crt`), "utf8"),
      key: readFileSync(join(dir, `${name}.key`), "utf8"),
    };
  };
  const ca = selfSigned("ca", "Portico test CA");
  return {
    ca,
    server: issued("server", "127.0.0.1", "subjectAltName=IP:127.0.0.1\n"),
    clientA: issued("client-a", "client-a"),
    clientB: issued("client-b", "client-b"),
    clientC: issued("client-c", "client-c"),
    rogue: selfSigned("rogue", "client-a"),
  };
}

describe("mTLS: the gateway's TLS listener and the mtls policy", () => {
  let t: Awaited<ReturnType<typeof deployedGateway>>;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let pki: ReturnType<typeof makePki>;
  const agents: Agent[] = [];

  /** GET over TLS, presenting `client` when given. */
  async function tlsGet(path: string, client?: Pem, headers: Record<string, string> = {}) {
    const agent = new Agent({ connect: { ca: pki.ca.cert, ...(client ?? {}) } });
    agents.push(agent);
    const res = await request(`${t.gw.tlsUrl}${path}`, { dispatcher: agent, headers });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) };
  }

  beforeAll(async () => {
    dir = await tempDir();
    pki = makePki(dir.path);
    t = await deployedGateway({ tls: { port: 0, ...pki.server, clientCa: pki.ca.cert } });
    const ack = await t.deployAcked(2, {
      extraApis: [
        {
          id: "api_secure",
          name: "secure",
          context: "secure",
          version: "v1",
          status: "PUBLISHED",
          upstream: { url: t.upstream.origin },
          revision: { id: "rev_secure", number: 1 },
          authRequired: true,
          policies: [
            {
              kind: "mtls",
              config: {
                applications: [
                  { commonName: "client-a", applicationId: "app1" },
                  { fingerprint256: new X509Certificate(pki.clientB.cert).fingerprint256, applicationId: "app2" },
                ],
              },
            },
          ],
        },
      ],
      extraSubscriptions: [
        { id: "sub_secure", applicationId: "app1", apiId: "api_secure", tier: "Unlimited", status: "ACTIVE" },
      ],
    });
    expect(ack.ok).toBe(true);
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await t?.close();
    await dir?.remove();
  });

  it("serves the same APIs over TLS", async () => {
    expect(t.gw.tlsUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await tlsGet("/t/acme/open/v1/x");
    expect(res.status).toBe(200);
    expect(res.json().headers["x-forwarded-proto"]).toBe("https");
  });

  it("401 without a client certificate, with one from another CA, and on the plain listener", async () => {
    expectProblem(await tlsGet("/t/acme/secure/v1/x"), 401, "unauthorized");
    expectProblem(await tlsGet("/t/acme/secure/v1/x", pki.rogue), 401, "unauthorized");
    expectProblem(
      await call(`${t.gw.url}/t/acme/secure/v1/x`, { headers: { "x-api-key": API_KEY } }),
      401,
      "unauthorized",
    );
  });

  it("a certificate bound by common name authenticates its application, whose subscription applies", async () => {
    const before = t.upstream.received.length;
    const res = await tlsGet("/t/acme/secure/v1/orders", pki.clientA);
    expect(res.status).toBe(200);
    expect(t.upstream.received.slice(before).map((r) => r.url)).toEqual(["/orders"]);
  });

  it("a certificate bound by fingerprint authenticates its application: not subscribed is 403", async () => {
    expectProblem(await tlsGet("/t/acme/secure/v1/x", pki.clientB), 403, "not-subscribed");
  });

  it("a trusted but unbound certificate still needs a credential", async () => {
    expectProblem(await tlsGet("/t/acme/secure/v1/x", pki.clientC), 401, "unauthorized");
    expect((await tlsGet("/t/acme/secure/v1/x", pki.clientC, { "x-api-key": API_KEY })).status).toBe(200);
  });
});
