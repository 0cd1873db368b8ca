import type { Metadata } from "next";
import Link from "next/link";
import { EmptyState } from "@/components/empty-state";
import { LoadProblem } from "@/components/load-problem";
import { PageHeading } from "@/components/page-heading";
import { DataTable } from "@/components/table-region";
import { Timestamp } from "@/components/timestamp";
import { requireArea } from "@/lib/access";
import { listUsers } from "@/lib/cp-admin";
import { RoleForm } from "../_components/role-form";

export const metadata: Metadata = { title: "Members" };

export default async function UsersPage() {
  const { session, member } = await requireArea("admin");
  const users = await listUsers(session.token);
  return (
    <div className="page">
      <PageHeading title="Members" lead="Who can sign in to this organisation, and what their role lets them do.">
        <Link className="btn btn-primary" href="/admin/invitations">
          Invite someone
        </Link>
      </PageHeading>
      {!users.ok ? (
        <LoadProblem problem={users.error} retryHref="/admin/users" />
      ) : users.value.length === 0 ? (
        <EmptyState title="No members yet">Invite someone to give them a role.</EmptyState>
      ) : (
        <DataTable label="Members and their roles" columns={["Email", "Role", "Member since"]}>
          {users.value.map((u) => (
            <tr key={u.id}>
              <th scope="row" className="cell-strong">
                {u.email}
                {u.id === member.user.id ? <span className="muted"> (you)</span> : null}
              </th>
              <td>
                <RoleForm userId={u.id} email={u.email} role={u.role} />
              </td>
              <td>
                <Timestamp iso={u.createdAt} />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <p className="muted small">
        Admins manage members and settings; publishers and creators manage APIs; developers use the developer portal.
        The last admin cannot be given another role.
      </p>
    </div>
  );
}
