import type { Database } from "../db/client.js";
import type { DeployContext } from "../deployer/redeploy.js";
import type { ConsoleTokens, Principal } from "../keys/console-tokens.js";

/** What every service verb may use; built once at start. */
export interface Services {
  db: Database;
  deploy: DeployContext;
  /** Wakes the outbox relay after a commit that queued bundles. */
  publishBundles(): void;
  tokens: ConsoleTokens;
  publicUrl: string;
  gatewayUrl: string;
  /** Gateways whose last heartbeat is older than this are no longer counted as live. */
  gatewayLiveMs: number;
  /** What a self-hosted gateway receives when it registers. */
  gatewayRegistration: GatewayRegistrationConfig;
  /** Whether webhooks may target loopback and private addresses (all-in-one, tests). */
  webhookAllowPrivate: boolean;
}

/** A verb's caller: the tenant and user fixed by the console token. */
export type Actor = Principal;

export interface GatewayRegistrationConfig {
  /** NATS URLs as the gateways reach them (a leaf node, a public address). */
  natsServers: string[];
  natsPrefix: string;
  /** JetStream domain of the cluster (PORTICO_NATS_DOMAIN), for gateways behind leaf nodes. */
  natsDomain?: string;
  /** Account signing key and account: absent when NATS runs without auth (development). */
  natsSigner?: { seed: string; account: string };
}
