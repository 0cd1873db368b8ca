import type { GatewayStatus } from "@portico/shared";
import { BUNDLE_SCHEMA_VERSION } from "@portico/shared/bundle";
import type { Bus } from "@portico/shared/bus";

export interface LastError {
  reason: string;
  detail: string;
  at: number;
  /** the tenant whose bundle was refused, when known */
  tenant?: string;
}

export interface HeartbeatSource {
  tenants(): { tenant: string; version: number; hash: string }[];
  lastError(): LastError | null;
}

export interface HeartbeatOptions {
  bus: Bus;
  subject: string;
  gatewayId: string;
  environment: string;
  softwareVersion: string;
  /** The policy kinds this build compiles: the control plane refuses deploys needing others. */
  policyKinds: readonly string[];
  intervalMs: number;
  source: HeartbeatSource;
}

/** Tells the control plane what this gateway runs; also sent right after every apply. */
export class Heartbeat {
  readonly #o: HeartbeatOptions;
  readonly #startedAt = Date.now();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: HeartbeatOptions) {
    this.#o = options;
  }

  start(): void {
    this.beat();
    this.#timer = setInterval(() => this.beat(), this.#o.intervalMs);
  }

  beat(): void {
    const now = Date.now();
    const status: GatewayStatus = {
      id: this.#o.gatewayId,
      environment: this.#o.environment,
      softwareVersion: this.#o.softwareVersion,
      capabilities: { schemaVersions: [BUNDLE_SCHEMA_VERSION], policyKinds: [...this.#o.policyKinds] },
      startedAt: this.#startedAt,
      uptimeS: (now - this.#startedAt) / 1000,
      tenants: this.#o.source.tenants(),
      lastError: this.#o.source.lastError(),
    };
    this.#o.bus.publish(this.#o.subject, JSON.stringify(status));
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
