import type { TLSSocket } from "node:tls";
import type { MtlsConfig } from "@portico/shared/policies";
import type { z } from "zod";
import { PASS, type PolicyDeps, type PolicyHandler, reject } from "../types.js";

const CERT_REQUIRED = reject("unauthorized", "A client certificate the gateway trusts is required");

/** A connection's certificate does not change: its verdict is kept per socket (null: verified, unbound). */
type Verdict = string | null;

/**
 * Requires a client certificate the TLS listener verified against the client CA; a bound
 * certificate (by SHA-256 fingerprint, else by subject common name) authenticates its
 * application unless another policy already did.
 */
export function createMtlsHandler(config: z.infer<typeof MtlsConfig>, _deps: PolicyDeps): PolicyHandler {
  const byFingerprint = new Map<string, string>();
  const byCommonName = new Map<string, string>();
  for (const b of config.applications) {
    if (b.fingerprint256 !== undefined) {
      byFingerprint.set(b.fingerprint256.toUpperCase(), b.applicationId);
    } else if (b.commonName !== undefined) {
      byCommonName.set(b.commonName, b.applicationId);
    }
  }
  const verdicts = new WeakMap<TLSSocket, Verdict>();
  return {
    onRequest(ex) {
      const socket = ex.req.socket as TLSSocket;
      let verdict = verdicts.get(socket);
      if (verdict === undefined) {
        if (socket.encrypted !== true || socket.authorized !== true) {
          return CERT_REQUIRED;
        }
        const cert = socket.getPeerCertificate();
        if (cert?.fingerprint256 === undefined) {
          return CERT_REQUIRED;
        }
        const cn = cert.subject?.CN;
        verdict =
          byFingerprint.get(cert.fingerprint256) ?? (typeof cn === "string" ? byCommonName.get(cn) : undefined) ?? null;
        verdicts.set(socket, verdict);
      }
      if (verdict !== null && !ex.authenticated) {
        ex.applicationId = verdict;
        ex.authenticated = true;
      }
      return PASS;
    },
  };
}
