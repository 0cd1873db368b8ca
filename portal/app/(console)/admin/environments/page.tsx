import type { Metadata } from "next";
import Link from "next/link";
import { EmptyState } from "@/components/empty-state";
import { LoadProblem } from "@/components/load-problem";
import { PageHeading } from "@/components/page-heading";
import { DataTable } from "@/components/table-region";
import { requireArea } from "@/lib/access";
import { listEnvironments } from "@/lib/cp-admin";
import { EnvironmentForm } from "../_components/environment-form";

export const metadata: Metadata = { title: "Environments" };

export default async function EnvironmentsPage() {
  const { session } = await requireArea("admin");
  const environments = await listEnvironments(session.token);
  return (
    <div className="page">
      <PageHeading
        title="Environments"
        lead="Where APIs are deployed. Shared environments are run by the platform; self-hosted ones by you."
      />
      {!environments.ok ? (
        <LoadProblem problem={environments.error} retryHref="/admin/environments" />
      ) : environments.value.length === 0 ? (
        <EmptyState title="No environments">Create a self-hosted environment below.</EmptyState>
      ) : (
        <DataTable label="Environments" columns={["Name", "Kind", "Gateway URL"]}>
          {environments.value.map((e) => (
            <tr key={e.id}>
              <th scope="row" className="cell-strong">
                {e.type === "self-hosted" ? (
                  <Link href={`/admin/environments/${encodeURIComponent(e.id)}`}>{e.name}</Link>
                ) : (
                  e.name
                )}
              </th>
              <td>
                {e.type === "shared" ? (
                  <span className="tag" title="Run by the platform; read-only here">
                    Shared · read-only
                  </span>
                ) : (
                  <span className="tag tag-accent">Self-hosted</span>
                )}
              </td>
              <td>
                {e.gatewayUrl ? <code className="code-inline">{e.gatewayUrl}</code> : <span className="muted">—</span>}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <EnvironmentForm />
    </div>
  );
}
