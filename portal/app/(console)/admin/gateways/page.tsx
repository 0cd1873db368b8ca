import type { Metadata } from "next";
import { EmptyState } from "@/components/empty-state";
import { LoadProblem } from "@/components/load-problem";
import { PageHeading } from "@/components/page-heading";
import { RowActionForm } from "@/components/row-action-form";
import { DataTable } from "@/components/table-region";
import { Timestamp } from "@/components/timestamp";
import { requireArea } from "@/lib/access";
import { type Gateway, listGateways } from "@/lib/cp-admin";
import { resyncGatewayAction } from "../actions";

export const metadata: Metadata = { title: "Gateways" };

const REASONS: Record<string, string> = {
  stale: "runs an older bundle",
  "hash-mismatch": "runs other content under the expected version",
  missing: "runs no bundle of this organisation",
  rejected: "refused the expected bundle",
  propagating: "a change is on its way",
  "not-live": "no recent heartbeat",
  "no-bundle": "nothing deployed to its environment",
};

/** The control plane's drift verdict as a badge: drifted stands out, unknown stays quiet. */
function DriftBadge({ drift }: { drift: Gateway["drift"] }) {
  const why = drift.reason ? REASONS[drift.reason] : undefined;
  if (drift.status === "drifted") {
    return (
      <span className="tag tag-danger" title={why}>
        Drifted{why ? `: ${why}` : ""}
      </span>
    );
  }
  if (drift.status === "in-sync") {
    return <span className="tag tag-ok">In sync</span>;
  }
  return why ? (
    <span className="tag" title={why}>
      Unknown: {why}
    </span>
  ) : null;
}

const shortHash = (hash: string) => hash.replace(/^sha256:/, "").slice(0, 12);

function Bundle({ bundle }: { bundle: { version: number; hash: string } | null }) {
  if (!bundle) {
    return <span className="muted">none</span>;
  }
  return (
    <span className="bundle-ref">
      v{bundle.version}{" "}
      <code className="code-inline" title={bundle.hash}>
        {shortHash(bundle.hash)}
      </code>
    </span>
  );
}

export default async function GatewaysPage() {
  const { session } = await requireArea("admin");
  const gateways = await listGateways(session.token);
  const drifted = gateways.ok ? gateways.value.filter((g) => g.drift.status === "drifted").length : 0;
  return (
    <div className="page">
      <PageHeading
        title="Gateways"
        lead={
          gateways.ok && gateways.value.length > 0
            ? `${gateways.value.length} seen · ${drifted === 0 ? "all run the expected bundle" : `${drifted} drifted`}`
            : "Gateways that sent a heartbeat, with the bundle they run for this organisation."
        }
      />
      {!gateways.ok ? (
        <LoadProblem problem={gateways.error} retryHref="/admin/gateways" />
      ) : gateways.value.length === 0 ? (
        <EmptyState title="No gateway has reported yet">
          Gateways appear here after their first heartbeat. Install one in a self-hosted environment with a registration
          token.
        </EmptyState>
      ) : (
        <DataTable
          label="Gateways and the bundle each runs"
          columns={["Gateway", "State", "Environment", "Software", "Last heartbeat", "Bundle"]}
          actions
        >
          {gateways.value.map((g) => {
            const kinds = g.capabilities.policyKinds;
            return (
              <tr key={g.id}>
                <th scope="row" className="cell-strong">
                  <code className="code-inline">{g.id}</code>
                  {g.lastError ? (
                    <p className="field-error small">
                      {g.lastError.reason}: {g.lastError.detail}
                    </p>
                  ) : null}
                </th>
                <td>
                  <span className="state-badges">
                    {g.live ? <span className="tag tag-ok">Live</span> : <span className="tag">Silent</span>}
                    <DriftBadge drift={g.drift} />
                  </span>
                </td>
                <td>{g.environment}</td>
                <td>
                  {g.softwareVersion}
                  {kinds ? (
                    <details className="capabilities">
                      <summary>{kinds.length} policy kinds</summary>
                      <ul>
                        {kinds.map((k) => (
                          <li key={k}>{k}</li>
                        ))}
                      </ul>
                    </details>
                  ) : (
                    <p className="muted small">too old to list its policy kinds</p>
                  )}
                </td>
                <td>
                  <Timestamp iso={g.lastHeartbeat} />
                </td>
                <td>
                  <Bundle bundle={g.bundle} />
                  {g.expectedBundle && g.expectedBundle.hash !== g.bundle?.hash ? (
                    <p className="muted small">
                      expected <Bundle bundle={g.expectedBundle} />
                    </p>
                  ) : null}
                </td>
                <td className="cell-actions">
                  {g.expectedBundle ? (
                    <RowActionForm
                      action={resyncGatewayAction}
                      fields={{ id: g.id }}
                      label="Resync"
                      pendingLabel="Asking…"
                      accessibleLabel={`gateway ${g.id}`}
                      destructive={false}
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
