import { z } from "zod";
import { policyBase } from "../base.js";

/** SHA-256 fingerprint as node and `openssl x509 -fingerprint -sha256` print it. */
export const CertFingerprint = z
  .string()
  .regex(/^(?:[0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/, "a SHA-256 fingerprint such as AB:CD:…");

export const CertBinding = z
  .object({
    fingerprint256: CertFingerprint.optional(),
    commonName: z.string().min(1).max(256).optional(),
    applicationId: z.string().min(1).max(128),
  })
  .refine(
    (b) => (b.fingerprint256 === undefined) !== (b.commonName === undefined),
    "name exactly one of fingerprint256 or commonName",
  );

export const MtlsConfig = z.object({
  applications: z.array(CertBinding).max(1000).default([]).meta({
    description:
      "Certificates that authenticate an application (its subscriptions then apply); a fingerprint binding wins over a common-name one.",
  }),
});

/**
 * Requires a client certificate the gateway's TLS listener verified against its client CA
 * (401 otherwise). A bound certificate authenticates its application, so key and token
 * policies need nothing more.
 */
export const MtlsPolicy = z.object({
  kind: z.literal("mtls"),
  ...policyBase,
  config: MtlsConfig,
});
