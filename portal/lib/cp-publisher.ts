import "server-only";

import {
  Api,
  Application,
  Deployment,
  Environment,
  type LifecycleAction,
  Revision,
  Subscription,
  TierDto,
} from "@portico/shared";
import { z } from "zod";
import { type CpResult, call } from "./cp-client";

/**
 * The control-plane calls of the publisher area (ARCHITECTURE §8): APIs, their resources,
 * policies and lifecycle, revisions, deployments, subscription approvals and tiers.
 */

export type Tier = TierDto;

/**
 * A deployment as the console reads it. Propagation details are optional: control planes of
 * other versions may add or omit timing fields, and the console shows what it gets.
 */
export const DeploymentStatus = Deployment.extend({
  live: z.boolean().optional(),
  gateways: z
    .object({
      total: z.number().int(),
      acked: z.number().int(),
      ackMs: z.object({ p50: z.number(), p99: z.number(), max: z.number() }).nullable().optional(),
    })
    .loose(),
});
export type DeploymentStatus = z.infer<typeof DeploymentStatus>;

const Deployed = z.union([DeploymentStatus, z.array(DeploymentStatus)]);
const Nothing = z.unknown();

const enc = encodeURIComponent;

export const getApi = (token: string, id: string): Promise<CpResult<Api>> =>
  call("GET", `/api/v1/apis/${enc(id)}`, { token, schema: Api });

export const createApi = (token: string, body: unknown): Promise<CpResult<Api>> =>
  call("POST", "/api/v1/apis", { token, body, schema: Api });

export const importApi = (token: string, body: unknown): Promise<CpResult<Api>> =>
  call("POST", "/api/v1/apis/import", { token, body, schema: Api });

export const updateApi = (token: string, id: string, body: unknown): Promise<CpResult<Api>> =>
  call("PATCH", `/api/v1/apis/${enc(id)}`, { token, body, schema: Api });

export const changeLifecycle = (
  token: string,
  id: string,
  action: z.infer<typeof LifecycleAction>,
): Promise<CpResult<Api>> =>
  call("POST", `/api/v1/apis/${enc(id)}/lifecycle`, { token, body: { action }, schema: Api });

export const listRevisions = (token: string, id: string): Promise<CpResult<z.infer<typeof Revision>[]>> =>
  call("GET", `/api/v1/apis/${enc(id)}/revisions`, { token, schema: Revision.array() });

export const createRevision = (token: string, id: string): Promise<CpResult<z.infer<typeof Revision>>> =>
  call("POST", `/api/v1/apis/${enc(id)}/revisions`, { token, schema: Revision });

export const listDeployments = (token: string, id: string): Promise<CpResult<DeploymentStatus[]>> =>
  call("GET", `/api/v1/apis/${enc(id)}/deployments`, { token, schema: DeploymentStatus.array() });

export const deploy = (
  token: string,
  id: string,
  revisionId: string,
  environment: string,
): Promise<CpResult<z.infer<typeof Deployed>>> =>
  call("POST", `/api/v1/apis/${enc(id)}/deployments`, { token, body: { revisionId, environment }, schema: Deployed });

export const undeploy = (token: string, id: string, environment: string): Promise<CpResult<unknown>> =>
  call("DELETE", `/api/v1/apis/${enc(id)}/deployments/${enc(environment)}`, { token, schema: Nothing });

export const listEnvironments = (token: string): Promise<CpResult<z.infer<typeof Environment>[]>> =>
  call("GET", "/api/v1/environments", { token, schema: Environment.array() });

export const listSubscriptions = (
  token: string,
  status: z.infer<typeof Subscription>["status"],
): Promise<CpResult<z.infer<typeof Subscription>[]>> =>
  call("GET", `/api/v1/subscriptions?status=${status}&limit=200`, { token, schema: Subscription.array() });

export const decideSubscription = (
  token: string,
  id: string,
  decision: "approve" | "reject",
): Promise<CpResult<z.infer<typeof Subscription>>> =>
  call("POST", `/api/v1/subscriptions/${enc(id)}/${decision}`, { token, schema: Subscription });

export const getApplication = (token: string, id: string): Promise<CpResult<z.infer<typeof Application>>> =>
  call("GET", `/api/v1/applications/${enc(id)}`, { token, schema: Application });

export const listTiers = (token: string, kind: Tier["kind"] | "all"): Promise<CpResult<Tier[]>> =>
  call("GET", `/api/v1/tiers?kind=${kind}&sort=name&limit=200`, { token, schema: TierDto.array() });

export const createTier = (token: string, body: unknown): Promise<CpResult<Tier>> =>
  call("POST", "/api/v1/tiers", { token, body, schema: TierDto });

export const updateTier = (token: string, name: string, kind: Tier["kind"], body: unknown): Promise<CpResult<Tier>> =>
  call("PATCH", `/api/v1/tiers/${enc(name)}?kind=${kind}`, { token, body, schema: TierDto });
