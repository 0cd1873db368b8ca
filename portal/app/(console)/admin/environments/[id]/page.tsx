import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { EmptyState } from "@/components/empty-state";
import { LoadProblem } from "@/components/load-problem";
import { PageHeading } from "@/components/page-heading";
import { RowActionForm } from "@/components/row-action-form";
import { DataTable } from "@/components/table-region";
import { Timestamp } from "@/components/timestamp";
import { requireArea } from "@/lib/access";
import { listEnvironments, listRegistrationTokens, type RegistrationToken } from "@/lib/cp-admin";
import { consoleEnv } from "@/lib/env";
import { RegistrationTokenForm } from "../../_components/registration-token-form";
import { revokeRegistrationTokenAction } from "../../actions";

export const metadata: Metadata = { title: "Self-hosted environment" };

function tokenState(t: RegistrationToken): string {
  if (t.usedAt) {
    return `Used by ${t.gatewayId ?? "a gateway"}`;
  }
  if (t.revokedAt) {
    return "Revoked";
  }
  return new Date(t.expiresAt) < new Date() ? "Expired" : "Unused";
}

export default async function EnvironmentPage({ params }: { params: Promise<{ id: string }> }) {
  const { session } = await requireArea("admin");
  const { id } = await params;
  const [environments, tokens] = await Promise.all([
    listEnvironments(session.token),
    listRegistrationTokens(session.token, id),
  ]);
  if (!environments.ok) {
    return <LoadProblem problem={environments.error} retryHref={`/admin/environments/${encodeURIComponent(id)}`} />;
  }
  const environment = environments.value.find((e) => e.id === id && e.type === "self-hosted");
  if (!environment) {
    notFound();
  }
  return (
    <div className="page">
      <p className="breadcrumb">
        <Link href="/admin/environments">Environments</Link> <span aria-hidden="true">/</span> {environment.name}
      </p>
      <PageHeading
        title={environment.name}
        lead="A self-hosted environment: its gateways run in your network and register with a one-time token."
      />
      <RegistrationTokenForm environmentId={environment.id} cpUrl={consoleEnv().cpUrl} />
      <h2 className="section-title">Registration tokens</h2>
      {!tokens.ok ? (
        <LoadProblem problem={tokens.error} retryHref={`/admin/environments/${encodeURIComponent(id)}`} />
      ) : tokens.value.length === 0 ? (
        <EmptyState title="No registration tokens">
          Create one above to install a gateway in this environment.
        </EmptyState>
      ) : (
        <DataTable label="Registration tokens" columns={["Token", "Description", "State", "Expires"]} actions>
          {tokens.value.map((t) => {
            const state = tokenState(t);
            return (
              <tr key={t.id}>
                <th scope="row">
                  <code className="code-inline">{t.prefix}…</code>
                </th>
                <td>{t.description ?? <span className="muted">—</span>}</td>
                <td>{state}</td>
                <td>
                  <Timestamp iso={t.expiresAt} />
                </td>
                <td className="cell-actions">
                  {state === "Unused" ? (
                    <RowActionForm
                      action={revokeRegistrationTokenAction}
                      fields={{ id: t.id, environmentId: environment.id }}
                      label="Revoke"
                      pendingLabel="Revoking…"
                      accessibleLabel={`token ${t.prefix}`}
                    />
                  ) : null}
                </td>
              </tr>
            );
          })}
        </DataTable>
      )}
    </div>
  );
}
