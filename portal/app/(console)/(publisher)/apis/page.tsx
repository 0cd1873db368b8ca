import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { requireArea } from "@/lib/access";
import { isUnauthorized, listApis } from "@/lib/cp-client";
import { consoleEnv } from "@/lib/env";
import { sentence } from "@/lib/forms";
import { SESSION_EXPIRED_PATH } from "@/lib/session";
import { ApiCard } from "./_components/api-card";
import { EmptyApis } from "./_components/empty-apis";

export const metadata: Metadata = { title: "APIs" };

export default async function ApisPage() {
  const { session } = await requireArea("publisher");
  const result = await listApis(session.token);
  if (!result.ok && isUnauthorized(result.error)) {
    redirect(SESSION_EXPIRED_PATH);
  }

  const { cpUrl, gatewayUrl } = consoleEnv();
  const tenant = session.tenant || "{tenant}";
  const apis = result.ok
    ? [...result.value].sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version))
    : [];

  return (
    <div className="page">
      <div className="page-head">
        <div className="page-head-text">
          <h1>APIs</h1>
          <p>
            {result.ok && apis.length > 0
              ? `${apis.length} ${apis.length === 1 ? "API" : "APIs"} in this organisation`
              : "The services your organisation exposes through its gateways."}
          </p>
        </div>
        <div className="page-head-end">
          <p className="gateway-base">
            Gateway <code>{gatewayUrl}</code>
          </p>
          <Link href="/apis/new" className="btn btn-primary">
            New API
          </Link>
        </div>
      </div>

      {!result.ok ? (
        <div className="card problem-panel" role="alert">
          <h2>{result.error.title}</h2>
          {result.error.detail ? <p>{sentence(result.error.detail)}</p> : null}
          <a className="btn btn-secondary" href="/apis">
            Try again
          </a>
        </div>
      ) : apis.length === 0 ? (
        <EmptyApis cpUrl={cpUrl} gatewayUrl={gatewayUrl} tenant={tenant} />
      ) : (
        <ul className="api-list">
          {apis.map((api) => (
            <li key={api.id}>
              <ApiCard api={api} gatewayUrl={gatewayUrl} tenant={tenant} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
