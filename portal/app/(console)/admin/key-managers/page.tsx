import type { Metadata } from "next";
import { EmptyState } from "@/components/empty-state";
import { LoadProblem } from "@/components/load-problem";
import { PageHeading } from "@/components/page-heading";
import { DataTable } from "@/components/table-region";
import { requireArea } from "@/lib/access";
import { listKeyManagers } from "@/lib/cp-admin";
import { KeyManagerForm } from "../_components/key-manager-form";

export const metadata: Metadata = { title: "Key managers" };

export default async function KeyManagersPage() {
  const { session } = await requireArea("admin");
  const keyManagers = await listKeyManagers(session.token);
  return (
    <div className="page">
      <PageHeading
        title="Key managers"
        lead="External OIDC issuers (Auth0, Keycloak, Okta…) whose tokens your gateways accept, beside Portico's own."
      />
      {!keyManagers.ok ? (
        <LoadProblem problem={keyManagers.error} retryHref="/admin/key-managers" />
      ) : keyManagers.value.length === 0 ? (
        <EmptyState title="No external key manager">
          Gateways accept tokens of this organisation's own issuer. Register another issuer below.
        </EmptyState>
      ) : (
        <DataTable label="External key managers" columns={["Name", "Issuer", "JWKS", "Audience", "Client id claim"]}>
          {keyManagers.value.map((k) => (
            <tr key={k.id}>
              <th scope="row" className="cell-strong">
                {k.name}
              </th>
              <td className="cell-wrap">
                <code className="code-inline">{k.issuer}</code>
              </td>
              <td className="cell-wrap">
                <code className="code-inline">{k.jwksUri}</code>
              </td>
              <td>{k.audience ?? <span className="muted">any</span>}</td>
              <td>
                <code className="code-inline">{k.clientIdClaim}</code>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <KeyManagerForm />
    </div>
  );
}
