import type { Metadata } from "next";
import Link from "next/link";
import { EmptyState } from "@/components/empty-state";
import { LoadProblem } from "@/components/load-problem";
import { PageHeading } from "@/components/page-heading";
import { DataTable } from "@/components/table-region";
import { Timestamp } from "@/components/timestamp";
import { requireArea } from "@/lib/access";
import { type AuditFilters, listAudit, listUsers } from "@/lib/cp-admin";
import { utcOfInput } from "@/lib/utc-input";

export const metadata: Metadata = { title: "Audit log" };

type Search = Record<string, string | string[] | undefined>;

const one = (v: string | string[] | undefined) => (typeof v === "string" && v.trim() ? v.trim() : undefined);

function summaryText(summary: Record<string, unknown>): string {
  const text = JSON.stringify(summary);
  return text === "{}" ? "" : text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

export default async function AuditPage({ searchParams }: { searchParams: Promise<Search> }) {
  const { session } = await requireArea("admin");
  const search = await searchParams;
  const form = {
    action: one(search.action),
    targetType: one(search.targetType),
    actorId: one(search.actorId),
    from: one(search.from),
    to: one(search.to),
  };
  const filters: AuditFilters = {
    ...form,
    from: utcOfInput(form.from)?.toISOString(),
    to: utcOfInput(form.to)?.toISOString(),
    cursor: one(search.cursor),
  };
  const [events, users] = await Promise.all([listAudit(session.token, filters), listUsers(session.token)]);
  const emails = new Map(users.ok ? users.value.map((u) => [u.id, u.email]) : []);
  const filtered = Object.values(form).some(Boolean);
  const query = (extra: Record<string, string>) =>
    `/admin/audit?${new URLSearchParams({ ...Object.fromEntries(Object.entries(form).filter(([, v]) => v) as [string, string][]), ...extra })}`;

  return (
    <div className="page">
      <PageHeading title="Audit log" lead="Every change to this organisation: who, what, when. Newest first." />
      <form className="card filter-bar" method="get" action="/admin/audit" aria-label="Filter the audit log">
        <div className="field">
          <label htmlFor="f-action">Action</label>
          <input id="f-action" name="action" defaultValue={form.action} placeholder="api.lifecycle" />
        </div>
        <div className="field">
          <label htmlFor="f-target">Target type</label>
          <input id="f-target" name="targetType" defaultValue={form.targetType} placeholder="api" />
        </div>
        <div className="field">
          <label htmlFor="f-actor">Member</label>
          <select id="f-actor" name="actorId" className="select" defaultValue={form.actorId ?? ""}>
            <option value="">Anyone</option>
            {users.ok
              ? users.value.map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.email}
                  </option>
                ))
              : null}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-from">From (UTC)</label>
          <input id="f-from" name="from" type="datetime-local" defaultValue={form.from} />
        </div>
        <div className="field">
          <label htmlFor="f-to">To (UTC)</label>
          <input id="f-to" name="to" type="datetime-local" defaultValue={form.to} />
        </div>
        <div className="filter-actions">
          <button type="submit" className="btn btn-primary">
            Filter
          </button>
          {filtered ? (
            <Link className="btn btn-ghost" href="/admin/audit">
              Clear
            </Link>
          ) : null}
        </div>
      </form>
      {!events.ok ? (
        <LoadProblem problem={events.error} retryHref="/admin/audit" />
      ) : events.value.items.length === 0 ? (
        <EmptyState title={filtered ? "No change matches these filters" : "Nothing recorded yet"}>
          {filtered ? "Widen the time range or clear the filters." : "Changes appear here as members make them."}
        </EmptyState>
      ) : (
        <>
          <DataTable label="Audit events, newest first" columns={["Action", "When", "Who", "Target", "Details"]}>
            {events.value.items.map((e) => (
              <tr key={e.id}>
                <th scope="row">
                  <code className="code-inline">{e.action}</code>
                </th>
                <td>
                  <Timestamp iso={e.createdAt} />
                </td>
                <td>
                  {e.actorId ? (emails.get(e.actorId) ?? <code className="code-inline">{e.actorId}</code>) : "system"}
                  {e.actorRole ? <span className="muted"> · {e.actorRole}</span> : null}
                </td>
                <td>
                  {e.targetType}
                  {e.targetId ? (
                    <span className="muted" title={e.targetId}>
                      {" "}
                      {e.targetId.slice(0, 8)}
                    </span>
                  ) : null}
                </td>
                <td className="cell-wrap cell-mono cell-wide">{summaryText(e.summary)}</td>
              </tr>
            ))}
          </DataTable>
          <nav className="pager" aria-label="Audit log pages">
            {filters.cursor ? <Link href={query({})}>Newest</Link> : <span />}
            {events.value.nextCursor ? (
              <Link href={query({ cursor: events.value.nextCursor })} rel="next">
                Older changes
              </Link>
            ) : (
              <span className="muted">End of the log</span>
            )}
          </nav>
        </>
      )}
    </div>
  );
}
