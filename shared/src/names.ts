/**
 * The only place NATS bucket, stream and subject names are spelled. A prefix separates
 * installations (and test runs) sharing one NATS server.
 */
export const NAME_TOKEN = /^[a-zA-Z0-9_-]+$/;

function token(kind: string, value: string): string {
  if (!NAME_TOKEN.test(value)) {
    throw new Error(`${kind} "${value}" cannot be used in a NATS name`);
  }
  return value;
}

export interface NatsNames {
  readonly prefix: string;
  bundleBucket(environment: string): string;
  analyticsStream: string;
  analyticsSubject(environment: string, tenantId: string): string;
  analyticsFilter: string;
  statusSubject(environment: string, gatewayId: string): string;
  statusFilter: string;
  ackSubject(environment: string, gatewayId: string): string;
  ackFilter: string;
  /** Core NATS: the control plane's requests to one gateway (resync). */
  controlSubject(environment: string, gatewayId: string): string;
  analyticsDurable: string;
  /** Core NATS (no persistence): gateways of an environment share rate-limit counts here. */
  rateLimitSubject(environment: string): string;
}

export function natsNames(prefix = "portico"): NatsNames {
  token("prefix", prefix);
  return {
    prefix,
    bundleBucket: (env) => `${prefix}_bundles_${token("environment", env)}`,
    analyticsStream: `${prefix}_analytics`,
    analyticsSubject: (env, tenantId) =>
      `${prefix}.analytics.${token("environment", env)}.${token("tenant", tenantId)}`,
    analyticsFilter: `${prefix}.analytics.>`,
    statusSubject: (env, gw) => `${prefix}.status.${token("environment", env)}.${token("gateway", gw)}`,
    statusFilter: `${prefix}.status.>`,
    ackSubject: (env, gw) => `${prefix}.ack.${token("environment", env)}.${token("gateway", gw)}`,
    ackFilter: `${prefix}.ack.>`,
    controlSubject: (env, gw) => `${prefix}.control.${token("environment", env)}.${token("gateway", gw)}`,
    analyticsDurable: `${prefix}_analytics_ingest`,
    rateLimitSubject: (env) => `${prefix}.ratelimit.${token("environment", env)}`,
  };
}

/**
 * Prefix of every reply inbox a registered gateway opens: its NATS credentials let it
 * subscribe to these only, so no one else's replies reach it.
 */
export const gatewayInboxPrefix = (gatewayId: string): string => `_INBOX_${token("gateway", gatewayId)}`;
