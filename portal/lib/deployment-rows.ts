import type { DeploymentStatus } from "./cp-publisher";

/** One environment's live deployment as the console shows it, and streams it. */
export interface LiveRow {
  environment: string;
  revisionNumber: number;
  bundleVersion: number;
  total: number;
  acked: number;
  /** Deployment → last gateway ack, in ms; null until a gateway acked. */
  ms: number | null;
}

/** The live deployment per environment (newest first from the control plane). */
export function toLiveRows(deployments: DeploymentStatus[]): LiveRow[] {
  const rows = new Map<string, LiveRow>();
  for (const d of deployments) {
    if (d.live === false || rows.has(d.environment)) {
      continue;
    }
    rows.set(d.environment, {
      environment: d.environment,
      revisionNumber: d.revisionNumber,
      bundleVersion: d.bundleVersion,
      total: d.gateways.total,
      acked: d.gateways.acked,
      ms: d.gateways.ackMs?.max ?? null,
    });
  }
  return [...rows.values()].sort((a, b) => a.environment.localeCompare(b.environment));
}

/** Every gateway of every environment runs its deployment. */
export const settled = (rows: LiveRow[]) => rows.every((r) => r.total > 0 && r.acked >= r.total);
