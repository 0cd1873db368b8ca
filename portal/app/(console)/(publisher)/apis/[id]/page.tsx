import { allowedLifecycleActions, LIFECYCLE_TRANSITIONS } from "@portico/shared";
import type { Metadata } from "next";
import Link from "next/link";
import { notFound, redirect } from "next/navigation";
import { ActionForm } from "@/components/action-form";
import { StatusBadge } from "@/components/status-badge";
import { SubmitButton } from "@/components/submit-button";
import { requireArea } from "@/lib/access";
import { isUnauthorized } from "@/lib/cp-client";
import { getApi, listDeployments, listEnvironments, listRevisions, listTiers } from "@/lib/cp-publisher";
import { toLiveRows } from "@/lib/deployment-rows";
import { sentence } from "@/lib/forms";
import { POLICY_CONFIG_SCHEMAS } from "@/lib/policy-schemas";
import { SESSION_EXPIRED_PATH } from "@/lib/session";
import { DeploymentLive } from "./_components/deployment-live";
import { OverviewForm } from "./_components/overview-form";
import { PolicyEditor } from "./_components/policy-editor";
import { ResourceForm } from "./_components/resource-form";
import {
  createRevisionAction,
  deployAction,
  lifecycleAction,
  removePolicyAction,
  savePolicyAction,
  undeployAction,
  updateOverviewAction,
  updateResourceAction,
} from "./actions";

export const metadata: Metadata = { title: "API" };

const ACTION_LABEL: Record<string, string> = {
  "pre-release": "Pre-release",
  publish: "Publish",
  block: "Block",
  deprecate: "Deprecate",
  retire: "Retire",
  demote: "Demote to created",
};

const dateTime = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

export default async function ApiPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { session, member } = await requireArea("publisher");
  const { id } = await params;
  const created = (await searchParams).created === "1";
  const [result, revisions, deployments, environments, tiers] = await Promise.all([
    getApi(session.token, id),
    listRevisions(session.token, id),
    listDeployments(session.token, id),
    listEnvironments(session.token),
    listTiers(session.token, "subscription"),
  ]);
  if (!result.ok) {
    if (isUnauthorized(result.error)) {
      redirect(SESSION_EXPIRED_PATH);
    }
    if (result.error.status === 404) {
      notFound();
    }
    return (
      <div className="page">
        <div className="card problem-panel" role="alert">
          <h1>{result.error.title}</h1>
          {result.error.detail ? <p>{sentence(result.error.detail)}</p> : null}
          <Link className="btn btn-secondary" href="/apis">
            Back to APIs
          </Link>
        </div>
      </div>
    );
  }
  const api = result.value;
  const next = allowedLifecycleActions(api.status);
  const canPublish = member.permissions.includes("apis:publish");
  const canDeploy = member.permissions.includes("apis:deploy");
  const revisionList = revisions.ok ? revisions.value : [];
  const envNames = environments.ok ? environments.value.map((e) => e.name) : ["default"];
  const tierNames = tiers.ok ? tiers.value.map((t) => t.name) : [];
  const resourceKeys = api.resources.map((r) => `${r.method} ${r.path}`);

  return (
    <div className="page">
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link href="/apis">APIs</Link>
        <span aria-hidden="true">/</span>
        <span aria-current="page">
          {api.name} {api.version}
        </span>
      </nav>
      <div className="page-head">
        <div className="page-head-text">
          <div className="title-row">
            <h1>{api.name}</h1>
            <StatusBadge status={api.status} />
          </div>
          <p>
            <code>
              /{api.context}/{api.version}
            </code>{" "}
            → <code className="url">{api.upstream.url}</code>
          </p>
        </div>
      </div>
      {created && api.status === "CREATED" ? (
        <p className="alert alert-info" role="status">
          API created with {api.resources.length} {api.resources.length === 1 ? "resource" : "resources"}. Publish it,
          create a revision and deploy it to make it answer on your gateways.
        </p>
      ) : null}

      <nav aria-label="API sections" className="section-nav">
        <a href="#overview">Overview</a>
        <a href="#lifecycle">Lifecycle</a>
        <a href="#resources">Resources</a>
        <a href="#policies">Policies</a>
        <a href="#revisions">Revisions</a>
        <a href="#deployments">Deployments</a>
      </nav>

      <section id="overview" className="card panel" aria-labelledby="overview-title">
        <h2 id="overview-title">Overview</h2>
        <OverviewForm action={updateOverviewAction.bind(null, api.id)} api={api} />
      </section>

      <section id="lifecycle" className="card panel" aria-labelledby="lifecycle-title">
        <h2 id="lifecycle-title">Lifecycle</h2>
        <p className="panel-lead">
          Now <StatusBadge status={api.status} />.{" "}
          {next.length ? "The moves allowed from here:" : "A retired API makes no further moves."}
        </p>
        {next.length && canPublish ? (
          <ActionForm action={lifecycleAction.bind(null, api.id)} className="form-inline" label="Lifecycle">
            <div className="button-row">
              {next.map((action) => (
                <button
                  key={action}
                  type="submit"
                  name="action"
                  value={action}
                  className={action === "publish" ? "btn btn-primary" : "btn btn-secondary"}
                >
                  {ACTION_LABEL[action] ?? action}
                  <span className="btn-note">→ {LIFECYCLE_TRANSITIONS[api.status][action]?.toLowerCase()}</span>
                </button>
              ))}
            </div>
          </ActionForm>
        ) : next.length ? (
          <p className="field-hint">Your role may not change the lifecycle.</p>
        ) : null}
      </section>

      <section id="resources" className="card panel" aria-labelledby="resources-title">
        <h2 id="resources-title">Resources</h2>
        {api.resources.length === 0 ? (
          <p className="panel-lead">
            No operations yet: every path under the context is proxied. Import an OpenAPI document to list them.
          </p>
        ) : (
          <>
            <p className="panel-lead">
              Per operation: whether a credential is needed, the scopes it must carry and a tier.
            </p>
            <ul className="resource-list">
              {api.resources.map((r) => (
                <li key={`${r.method} ${r.path}`}>
                  <ResourceForm action={updateResourceAction.bind(null, api.id)} resource={r} tiers={tierNames} />
                </li>
              ))}
            </ul>
          </>
        )}
      </section>

      <section id="policies" className="card panel" aria-labelledby="policies-title">
        <h2 id="policies-title">Policies</h2>
        <p className="panel-lead">
          Applied by the gateways in a fixed order by kind: authentication, authorisation, traffic, transformation. An
          operation&apos;s policies run after the API&apos;s.
        </p>
        <PolicyEditor
          schemas={POLICY_CONFIG_SCHEMAS}
          targets={[{ key: "api", label: "Whole API", policies: api.policies ?? [] }].concat(
            api.resources.map((r, i) => ({
              key: resourceKeys[i] ?? "",
              label: resourceKeys[i] ?? "",
              policies: r.policies ?? [],
            })),
          )}
          save={savePolicyAction.bind(null, api.id)}
          remove={removePolicyAction.bind(null, api.id)}
        />
      </section>

      <section id="revisions" className="card panel" aria-labelledby="revisions-title">
        <div className="panel-head">
          <h2 id="revisions-title">Revisions</h2>
          <ActionForm
            action={createRevisionAction.bind(null, api.id)}
            className="form-inline"
            label="Create a revision"
          >
            <SubmitButton pendingLabel="Creating…" className="btn btn-secondary btn-sm">
              Create revision
            </SubmitButton>
          </ActionForm>
        </div>
        <p className="panel-lead">
          A revision is an immutable snapshot of the API; gateways serve revisions, never the working copy.
        </p>
        {revisionList.length === 0 ? (
          <p className="empty-line">No revisions yet.</p>
        ) : (
          <ul className="plain-list">
            {revisionList.map((r) => (
              <li key={r.id} className="list-row">
                <strong>Revision {r.number}</strong>
                <time dateTime={r.createdAt}>{dateTime.format(new Date(r.createdAt))} UTC</time>
                <span className="muted">
                  {r.deployedTo.length ? `Live on ${r.deployedTo.join(", ")}` : "Not deployed"}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section id="deployments" className="card panel" aria-labelledby="deployments-title">
        <h2 id="deployments-title">Deployments</h2>
        {canDeploy ? (
          <ActionForm action={deployAction.bind(null, api.id)} className="deploy-form" label="Deploy">
            <div className="field">
              <label htmlFor="deploy-revision">Revision</label>
              <select id="deploy-revision" name="revisionId" disabled={revisionList.length === 0}>
                {revisionList.map((r) => (
                  <option key={r.id} value={r.id}>
                    Revision {r.number}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="deploy-environment">Environment</label>
              <select id="deploy-environment" name="environment">
                {envNames.map((e) => (
                  <option key={e} value={e}>
                    {e}
                  </option>
                ))}
              </select>
            </div>
            <SubmitButton pendingLabel="Deploying…" className="btn btn-primary">
              Deploy
            </SubmitButton>
          </ActionForm>
        ) : (
          <p className="field-hint">Your role may not deploy.</p>
        )}
        {revisionList.length === 0 ? <p className="field-hint">Create a revision to deploy it.</p> : null}
        <DeploymentLive
          apiId={api.id}
          initial={deployments.ok ? toLiveRows(deployments.value) : []}
          undeploy={canDeploy ? undeployAction.bind(null, api.id) : undefined}
        />
      </section>
    </div>
  );
}
