"use server";

import { type Api, LifecycleAction, UpdateApiRequest } from "@portico/shared";
import type { Policy } from "@portico/shared/policies";
import { requireArea } from "@/lib/access";
import { invalid, outcome } from "@/lib/action-outcome";
import { changeLifecycle, createRevision, deploy, getApi, undeploy, updateApi } from "@/lib/cp-publisher";
import { type FormState, field, validate } from "@/lib/forms";
import { parsePolicy } from "@/lib/policy-schemas";

const OVERVIEW_FIELDS = ["name", "description", "upstream.url", "tags"] as const;

const pathOf = (id: string) => `/apis/${id}`;

/** Changes the API's name, description, upstream, tags and approval rule. */
export async function updateOverviewAction(id: string, _prev: FormState, form: FormData): Promise<FormState> {
  const { session } = await requireArea("publisher");
  const values = Object.fromEntries(OVERVIEW_FIELDS.map((f) => [f, field(form, f).trim()]));
  const current = await getApi(session.token, id);
  if (!current.ok) {
    return outcome(current, { notice: "", path: pathOf(id) });
  }
  const input = validate(UpdateApiRequest, {
    name: values.name,
    description: values.description,
    // Only the URL is edited here: the rest of the upstream (endpoints, timeouts) stays.
    upstream: { ...current.value.upstream, url: values["upstream.url"] },
    tags: splitList(values.tags ?? ""),
    subscriptionApproval: form.get("subscriptionApproval") === "on",
  });
  if (!input.ok) {
    return invalid(
      input.errors.map((e) => ({ ...e, path: e.path.startsWith("tags") ? "tags" : e.path })),
      OVERVIEW_FIELDS,
      values,
    );
  }
  const result = await updateApi(session.token, id, input.value);
  return outcome(result, { notice: "Saved.", path: pathOf(id), fields: OVERVIEW_FIELDS, values });
}

/** Sets one operation's authentication, scopes and tier. */
export async function updateResourceAction(id: string, _prev: FormState, form: FormData): Promise<FormState> {
  const { session } = await requireArea("publisher");
  const scopes = splitList(field(form, "scopes"));
  const tier = field(form, "tier");
  const changed = await changeResource(session.token, id, field(form, "resource"), (r) => ({
    ...r,
    authRequired: form.get("authRequired") === "on",
    scopes: scopes.length ? scopes : undefined,
    tier: tier || undefined,
  }));
  return (
    changed.state ??
    outcome(await updateApi(session.token, id, { resources: changed.resources }), {
      notice: `${field(form, "resource")} saved.`,
      path: pathOf(id),
      fields: ["scopes"],
      values: { scopes: field(form, "scopes") },
    })
  );
}

/**
 * Adds a policy to the API or to one of its operations, or replaces the one at `index`. The
 * config comes as JSON from the generated form and is checked with the gateway's own schema.
 */
export async function savePolicyAction(id: string, _prev: FormState, form: FormData): Promise<FormState> {
  const { session } = await requireArea("publisher");
  let config: unknown;
  try {
    config = JSON.parse(field(form, "config") || "{}");
  } catch {
    return invalid([{ path: "config", message: "The configuration is not valid JSON" }], []);
  }
  const parsed = parsePolicy({ kind: field(form, "kind"), enabled: form.get("enabled") === "on", config });
  if (!parsed.ok) {
    return invalid(
      parsed.errors.map((message) => ({ path: "policy", message })),
      [],
    );
  }
  const index = field(form, "index");
  const put = (list: Policy[] | undefined): Policy[] => {
    const next = [...(list ?? [])];
    const at = index === "" ? -1 : Number(index);
    if (at >= 0 && at < next.length) {
      next[at] = parsed.value;
    } else {
      next.push(parsed.value);
    }
    return next;
  };
  return savePolicies(session.token, id, field(form, "target"), put, `${parsed.value.kind} policy saved.`);
}

/** Removes the policy at `index` of the API or of one operation. */
export async function removePolicyAction(id: string, _prev: FormState, form: FormData): Promise<FormState> {
  const { session } = await requireArea("publisher");
  const at = Number(field(form, "index"));
  return savePolicies(
    session.token,
    id,
    field(form, "target"),
    (list) => (list ?? []).filter((_, i) => i !== at),
    "Policy removed.",
  );
}

/** Moves the API to the state of the pressed button's action. */
export async function lifecycleAction(id: string, _prev: FormState, form: FormData): Promise<FormState> {
  const { session } = await requireArea("publisher");
  const action = LifecycleAction.safeParse(field(form, "action"));
  if (!action.success) {
    return invalid([{ path: "action", message: "Unknown lifecycle action" }], []);
  }
  const result = await changeLifecycle(session.token, id, action.data);
  return outcome(result, {
    notice: result.ok ? `The API is now ${result.value.status.toLowerCase()}.` : "",
    path: pathOf(id),
  });
}

/** Snapshots the working copy as a new revision. */
export async function createRevisionAction(id: string, _prev: FormState, _form: FormData): Promise<FormState> {
  const { session } = await requireArea("publisher");
  const result = await createRevision(session.token, id);
  return outcome(result, { notice: result.ok ? `Revision ${result.value.number} created.` : "", path: pathOf(id) });
}

/** Deploys a revision to an environment; the page then follows the gateways' acks live. */
export async function deployAction(id: string, _prev: FormState, form: FormData): Promise<FormState> {
  const { session } = await requireArea("publisher");
  const revisionId = field(form, "revisionId");
  const environment = field(form, "environment");
  if (!revisionId || !environment) {
    return invalid(
      [
        ...(revisionId ? [] : [{ path: "revisionId", message: "Create a revision first" }]),
        ...(environment ? [] : [{ path: "environment", message: "Choose an environment" }]),
      ],
      ["revisionId", "environment"],
    );
  }
  const result = await deploy(session.token, id, revisionId, environment);
  return outcome(result, { notice: `Deployment to ${environment} started.`, path: pathOf(id) });
}

/** Takes the API off an environment's gateways. */
export async function undeployAction(id: string, _prev: FormState, form: FormData): Promise<FormState> {
  const { session } = await requireArea("publisher");
  const environment = field(form, "environment");
  const result = await undeploy(session.token, id, environment);
  return outcome(result, { notice: `Undeployed from ${environment}.`, path: pathOf(id) });
}

type Resource = Api["resources"][number];

async function changeResource(
  token: string,
  id: string,
  key: string,
  change: (r: Resource) => Resource,
): Promise<{ state?: FormState; resources: Resource[] }> {
  const current = await getApi(token, id);
  if (!current.ok) {
    return { state: outcome(current, { notice: "", path: pathOf(id) }), resources: [] };
  }
  const resources = current.value.resources;
  const at = resources.findIndex((r) => `${r.method} ${r.path}` === key);
  if (at < 0) {
    return {
      state: invalid([{ path: "resource", message: `${key} is no longer an operation of this API` }], []),
      resources,
    };
  }
  return { resources: resources.map((r, i) => (i === at ? change(r) : r)) };
}

async function savePolicies(
  token: string,
  id: string,
  target: string,
  change: (list: Policy[] | undefined) => Policy[],
  notice: string,
): Promise<FormState> {
  if (target === "api") {
    const current = await getApi(token, id);
    if (!current.ok) {
      return outcome(current, { notice: "", path: pathOf(id) });
    }
    return outcome(await updateApi(token, id, { policies: change(current.value.policies) }), {
      notice,
      path: pathOf(id),
    });
  }
  const changed = await changeResource(token, id, target, (r) => ({ ...r, policies: change(r.policies) }));
  return (
    changed.state ?? outcome(await updateApi(token, id, { resources: changed.resources }), { notice, path: pathOf(id) })
  );
}

/** "a, b  c" → ["a", "b", "c"]. */
function splitList(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}
