import type { Metadata } from "next";
import Link from "next/link";
import { EmptyState } from "@/components/empty-state";
import { LoadProblem } from "@/components/load-problem";
import { PageHeading } from "@/components/page-heading";
import { RowActionForm } from "@/components/row-action-form";
import { DataTable } from "@/components/table-region";
import { Timestamp } from "@/components/timestamp";
import { requireArea } from "@/lib/access";
import { listWebhooks } from "@/lib/cp-admin";
import { WebhookForm } from "../_components/webhook-form";
import { deleteWebhookAction } from "../actions";

export const metadata: Metadata = { title: "Webhooks" };

export default async function WebhooksPage() {
  const { session } = await requireArea("admin");
  const webhooks = await listWebhooks(session.token);
  return (
    <div className="page">
      <PageHeading
        title="Webhooks"
        lead="URLs told about changes in this organisation, with signed deliveries and retries."
      />
      <WebhookForm />
      <h2 className="section-title">Registered</h2>
      {!webhooks.ok ? (
        <LoadProblem problem={webhooks.error} retryHref="/admin/webhooks" />
      ) : webhooks.value.length === 0 ? (
        <EmptyState title="No webhooks">
          Create one above to be told about lifecycle changes, subscriptions and deployments.
        </EmptyState>
      ) : (
        <DataTable label="Webhooks" columns={["URL", "Events", "Created"]} actions>
          {webhooks.value.map((w) => (
            <tr key={w.id}>
              <th scope="row" className="cell-wrap">
                <Link href={`/admin/webhooks/${encodeURIComponent(w.id)}`}>{w.url}</Link>
              </th>
              <td>
                <span className="tag-list">
                  {w.events.map((e) => (
                    <code key={e} className="code-inline">
                      {e}
                    </code>
                  ))}
                </span>
              </td>
              <td>
                <Timestamp iso={w.createdAt} />
              </td>
              <td className="cell-actions">
                <RowActionForm
                  action={deleteWebhookAction}
                  fields={{ id: w.id }}
                  label="Delete"
                  pendingLabel="Deleting…"
                  accessibleLabel={`webhook ${w.url}`}
                />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </div>
  );
}
