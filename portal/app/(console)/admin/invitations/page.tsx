import type { Metadata } from "next";
import { EmptyState } from "@/components/empty-state";
import { LoadProblem } from "@/components/load-problem";
import { PageHeading } from "@/components/page-heading";
import { RowActionForm } from "@/components/row-action-form";
import { DataTable } from "@/components/table-region";
import { Timestamp } from "@/components/timestamp";
import { requireArea } from "@/lib/access";
import { listInvitations } from "@/lib/cp-admin";
import { InviteForm } from "../_components/invite-form";
import { revokeInvitationAction } from "../actions";

export const metadata: Metadata = { title: "Invitations" };

export default async function InvitationsPage() {
  const { session, member } = await requireArea("admin");
  const invitations = await listInvitations(session.token);
  const pending = invitations.ok ? invitations.value.filter((i) => !i.acceptedAt) : [];
  return (
    <div className="page">
      <PageHeading
        title="Invitations"
        lead="Invite people by email with a role. Each link works once, for seven days."
      />
      <InviteForm tenant={member.tenant.slug} />
      <h2 className="section-title">Pending</h2>
      {!invitations.ok ? (
        <LoadProblem problem={invitations.error} retryHref="/admin/invitations" />
      ) : pending.length === 0 ? (
        <EmptyState title="No pending invitations">
          Invitations you create appear here until they are accepted.
        </EmptyState>
      ) : (
        <DataTable label="Pending invitations" columns={["Email", "Role", "Expires"]} actions>
          {pending.map((i) => (
            <tr key={i.id}>
              <th scope="row" className="cell-strong">
                {i.email}
              </th>
              <td>{i.role}</td>
              <td>
                <Timestamp iso={i.expiresAt} />
              </td>
              <td className="cell-actions">
                <RowActionForm
                  action={revokeInvitationAction}
                  fields={{ id: i.id }}
                  label="Revoke"
                  pendingLabel="Revoking…"
                  accessibleLabel={`invitation of ${i.email}`}
                />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </div>
  );
}
