import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { EmptyState } from "@/components/empty-state";
import { LoadProblem } from "@/components/load-problem";
import { PageHeading } from "@/components/page-heading";
import { DataTable } from "@/components/table-region";
import { Timestamp } from "@/components/timestamp";
import { requireArea } from "@/lib/access";
import { listDeliveries, listWebhooks } from "@/lib/cp-admin";

export const metadata: Metadata = { title: "Webhook deliveries" };

const STATUS_TAG = { delivered: "tag tag-ok", failed: "tag tag-danger", pending: "tag" } as const;

export default async function WebhookDeliveriesPage({ params }: { params: Promise<{ id: string }> }) {
  const { session } = await requireArea("admin");
  const { id } = await params;
  const [webhooks, deliveries] = await Promise.all([listWebhooks(session.token), listDeliveries(session.token, id)]);
  const webhook = webhooks.ok ? webhooks.value.find((w) => w.id === id) : undefined;
  if (webhooks.ok && !webhook) {
    notFound();
  }
  const retry = `/admin/webhooks/${encodeURIComponent(id)}`;
  return (
    <div className="page">
      <p className="breadcrumb">
        <Link href="/admin/webhooks">Webhooks</Link> <span aria-hidden="true">/</span> Deliveries
      </p>
      <PageHeading
        title="Deliveries"
        lead={webhook ? `The last 100 deliveries to ${webhook.url}` : "The last 100 deliveries"}
      />
      {!deliveries.ok ? (
        <LoadProblem problem={deliveries.error} retryHref={retry} />
      ) : deliveries.value.length === 0 ? (
        <EmptyState title="Nothing delivered yet">
          Deliveries appear here when an event this webhook listens to happens.
        </EmptyState>
      ) : (
        <DataTable
          label="Webhook deliveries, newest first"
          columns={["Event", "Status", "Attempts", "Last answer", "Created"]}
        >
          {deliveries.value.map((d) => (
            <tr key={d.id}>
              <th scope="row">
                <code className="code-inline">{d.event}</code>
              </th>
              <td>
                <span className={STATUS_TAG[d.status]}>{d.status}</span>
              </td>
              <td>{d.attempts}</td>
              <td className="cell-wrap">
                {d.lastStatusCode ?? ""} {d.lastError ?? ""}
                {d.lastStatusCode === null && !d.lastError ? <span className="muted">—</span> : null}
              </td>
              <td>
                <Timestamp iso={d.createdAt} />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </div>
  );
}
