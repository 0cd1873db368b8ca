import type { GatewayCommand } from "@portico/shared";
import type { Database } from "../db/client.js";
import type { DeployContext } from "../deployer/redeploy.js";
import type { ConsoleTokens, Principal } from "../keys/console-tokens.js";
import type { SecretBox } from "../keys/secret-box.js";

/** What every service verb may use; built once at start. */
export interface Services {
  db: Database;
  deploy: DeployContext;
  /** Wakes the outbox relay after a commit that queued bundles. */
  publishBundles(): void;
  /** Sends a request to one gateway on its control subject (fire and forget). */
  commandGateway(environment: string, gatewayId: string, command: GatewayCommand): void;
  tokens: ConsoleTokens;
  publicUrl: string;
  gatewayUrl: string;
  /** Gateways whose last heartbeat is older than this are no longer counted as live. */
  gatewayLiveMs: number;
  /** What a self-hosted gateway receives when it registers. */
  gatewayRegistration: GatewayRegistrationConfig;
  /** Whether webhooks may target loopback and private addresses (all-in-one, tests). */
  webhookAllowPrivate: boolean;
  analyticsRetention: AnalyticsRetention;
  /** Seals and opens secrets the control plane sends on but must not store in the clear. */
  secrets: SecretBox;
}

/** How long analytics are kept at each resolution, in milliseconds. */
export interface AnalyticsRetention {
  rawMs: number;
  minuteMs: number;
  hourMs: number;
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
