import Link from "next/link";
import { CopyButton } from "@/components/copy-button";
import { StatusBadge } from "@/components/status-badge";
import type { Api } from "@/lib/cp-client";

const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium" });

/** Where the API answers on the default environment's gateways (ARCHITECTURE §10). */
export function gatewayUrlOf(gatewayUrl: string, tenant: string, api: Pick<Api, "context" | "version">): string {
  return `${gatewayUrl}/t/${tenant}/${api.context}/${api.version}/`;
}

export function ApiCard({ api, gatewayUrl, tenant }: { api: Api; gatewayUrl: string; tenant: string }) {
  const url = gatewayUrlOf(gatewayUrl, tenant, api);
  const resources = api.resources.length;
  return (
    <article className="card api-card" aria-labelledby={`api-${api.id}`}>
      <div className="api-card-head">
        <h2 id={`api-${api.id}`} className="api-card-title">
          <Link href={`/apis/${api.id}`}>{api.name}</Link>
        </h2>
        <StatusBadge status={api.status} />
      </div>
      {api.description ? <p className="api-desc">{api.description}</p> : null}
      <dl className="api-meta">
        <div>
          <dt>Context</dt>
          <dd>
            <code>
              /{api.context}/{api.version}
            </code>
          </dd>
        </div>
        <div>
          <dt>Upstream</dt>
          <dd>
            <code className="url">{api.upstream.url}</code>
          </dd>
        </div>
        <div className="api-meta-wide">
          <dt>Gateway URL</dt>
          <dd className="url-box">
            <code>{url}</code>
            <CopyButton value={url} label={`gateway URL of ${api.name} ${api.version}`} />
          </dd>
        </div>
      </dl>
      <p className="api-foot">
        <span>
          {resources} {resources === 1 ? "resource" : "resources"}
        </span>
        <span>
          Updated <time dateTime={api.updatedAt}>{formatDate(api.updatedAt)}</time>
        </span>
      </p>
    </article>
  );
}

function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateFormat.format(date);
}
