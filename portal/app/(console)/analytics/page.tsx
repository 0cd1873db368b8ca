import type { Metadata } from "next";
import type { ReactNode } from "react";
import { LatencyChart, RequestsChart, StatusClassChart } from "@/components/analytics-charts";
import { EmptyState } from "@/components/empty-state";
import { LoadProblem } from "@/components/load-problem";
import { PageHeading } from "@/components/page-heading";
import { TableRegion } from "@/components/table-region";
import { requireArea } from "@/lib/access";
import { bucketSeries, RANGES, resolveRange, type SeriesPoint } from "@/lib/analytics-range";
import { type Analytics, getAnalytics } from "@/lib/cp-admin";
import { listApis } from "@/lib/cp-client";

export const metadata: Metadata = { title: "Analytics" };

type Search = Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined) => (typeof v === "string" && v ? v : undefined);
const fmt = (n: number) => n.toLocaleString("en");
const ms = (v: number | null) => (v === null ? "—" : `${fmt(Math.round(v * 10) / 10)} ms`);
/** `datetime-local` inputs take `YYYY-MM-DDTHH:MM`. */
const inputValue = (d: Date) => d.toISOString().slice(0, 16);

export default async function AnalyticsPage({ searchParams }: { searchParams: Promise<Search> }) {
  const { session } = await requireArea("analytics");
  const search = await searchParams;
  const range = resolveRange(one(search.range), one(search.from), one(search.to));
  const apiId = one(search.apiId);
  const [data, apis] = await Promise.all([
    getAnalytics(session.token, { apiId, from: range.from.toISOString(), to: range.to.toISOString() }),
    listApis(session.token),
  ]);
  const apiNames = new Map(apis.ok ? apis.value.map((a) => [a.id, `${a.name} ${a.version}`]) : []);

  return (
    <div className="page">
      <PageHeading
        title="Analytics"
        lead={`Traffic through your gateways, ${range.from.toISOString().slice(0, 16).replace("T", " ")} to ${range.to
          .toISOString()
          .slice(0, 16)
          .replace("T", " ")} UTC.`}
      />
      <form className="card filter-bar" method="get" action="/analytics" aria-label="Time range and API">
        <fieldset className="range-picker">
          <legend>Time range</legend>
          {RANGES.map((r) => (
            <label key={r.value} className="range-option">
              <input type="radio" name="range" value={r.value} defaultChecked={range.key === r.value} />
              <span>{r.label}</span>
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor="a-from">From (UTC, custom)</label>
          <input id="a-from" name="from" type="datetime-local" defaultValue={inputValue(range.from)} />
        </div>
        <div className="field">
          <label htmlFor="a-to">To (UTC, custom)</label>
          <input id="a-to" name="to" type="datetime-local" defaultValue={inputValue(range.to)} />
        </div>
        <div className="field">
          <label htmlFor="a-api">API</label>
          <select id="a-api" name="apiId" className="select" defaultValue={apiId ?? ""}>
            <option value="">All APIs</option>
            {[...apiNames].map(([id, name]) => (
              <option key={id} value={id}>
                {name}
              </option>
            ))}
          </select>
        </div>
        <div className="filter-actions">
          <button type="submit" className="btn btn-primary">
            Show
          </button>
        </div>
      </form>
      {range.problem ? (
        <p className="alert alert-error" role="alert">
          {range.problem}
        </p>
      ) : null}
      {!data.ok ? (
        <LoadProblem problem={data.error} retryHref="/analytics" />
      ) : (
        <AnalyticsBody data={data.value} range={range} apiNames={apiNames} />
      )}
    </div>
  );
}

function AnalyticsBody({
  data,
  range,
  apiNames,
}: {
  data: Analytics;
  range: { from: Date; to: Date };
  apiNames: Map<string, string>;
}) {
  const { minutes, points } = bucketSeries(data.series, range.from, range.to);
  const t = data.totals;
  const errorRate = t.count ? (t.errors / t.count) * 100 : 0;
  const bucket = minutes < 60 ? `${minutes} min` : `${minutes / 60} h`;
  return (
    <>
      <dl className="stat-grid">
        <Stat label="Requests" value={fmt(t.count)} />
        <Stat label="Errors" value={`${fmt(t.errors)} (${errorRate.toFixed(1)} %)`} />
        <Stat label="Latency p50" value={ms(t.p50)} />
        <Stat label="Latency p95" value={ms(t.p95)} />
        <Stat label="Latency p99" value={ms(t.p99)} />
      </dl>
      {t.count === 0 ? (
        <EmptyState title="No request in this range">
          Requests through your gateways appear here within a minute. Pick a longer range, or another API.
        </EmptyState>
      ) : (
        <div className="chart-grid">
          <ChartFigure
            id="requests"
            title="Requests over time"
            summary={`${fmt(t.count)} requests and ${fmt(t.errors)} errors, in ${bucket} buckets; the busiest bucket had ${fmt(Math.max(...points.map((p) => p.requests)))}.`}
            table={<SeriesTable points={points} columns={["requests", "errors"]} />}
          >
            <RequestsChart points={points} />
          </ChartFigure>
          <ChartFigure
            id="latency"
            title="Latency"
            summary={`Over the range: p50 ${ms(t.p50)}, p95 ${ms(t.p95)}, p99 ${ms(t.p99)}. ${minutes > 1 ? "Buckets longer than a minute average the minutes' percentiles, weighted by requests." : ""}`}
            table={<SeriesTable points={points.filter((p) => p.p50 !== null)} columns={["p50", "p95", "p99"]} />}
          >
            <LatencyChart points={points} />
          </ChartFigure>
          <ChartFigure
            id="status"
            title="Requests by status class"
            summary={data.statusClasses?.map((r) => `${r.statusClass}: ${fmt(r.count)}`).join(", ")}
            table={
              data.statusClasses ? (
                <RankTable
                  head="Status class"
                  rows={data.statusClasses.map((r) => ({ key: r.statusClass, name: r.statusClass, count: r.count }))}
                />
              ) : null
            }
          >
            {data.statusClasses && data.statusClasses.length > 0 ? (
              <StatusClassChart rows={data.statusClasses} />
            ) : (
              <EmptyState title="No breakdown by status class">
                This control plane does not report one yet; the errors above count every status ≥ 400.
              </EmptyState>
            )}
          </ChartFigure>
          <TopList title="Top APIs" rows={data.topApis} names={apiNames} what="API" />
          <TopList title="Top applications" rows={data.topApplications} names={new Map()} what="application" />
        </div>
      )}
    </>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div className="card stat">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

function ChartFigure({
  id,
  title,
  summary,
  table,
  children,
}: {
  id: string;
  title: string;
  /** The chart's content in words; none when the chart itself is an empty state. */
  summary: string | undefined;
  table: ReactNode;
  children: ReactNode;
}) {
  return (
    <figure
      className="card chart-card"
      aria-labelledby={`${id}-title`}
      aria-describedby={summary ? `${id}-summary` : undefined}
    >
      <h2 id={`${id}-title`} className="chart-title">
        {title}
      </h2>
      {children}
      {summary ? (
        <figcaption id={`${id}-summary`} className="chart-summary">
          {summary}
        </figcaption>
      ) : null}
      {table ? (
        <details className="chart-data">
          <summary>Data as a table</summary>
          <TableRegion label={`${title}: data`} card={false}>
            {table}
          </TableRegion>
        </details>
      ) : null}
    </figure>
  );
}

function SeriesTable({
  points,
  columns,
}: {
  points: SeriesPoint[];
  columns: ("requests" | "errors" | "p50" | "p95" | "p99")[];
}) {
  return (
    <table className="data-table data-table-compact">
      <thead>
        <tr>
          <th scope="col">Bucket start (UTC)</th>
          {columns.map((c) => (
            <th scope="col" key={c}>
              {c === "requests" ? "Requests" : c === "errors" ? "Errors" : `${c} (ms)`}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {points.map((p) => (
          <tr key={p.at}>
            <th scope="row">{p.at.slice(0, 16).replace("T", " ")}</th>
            {columns.map((c) => (
              <td key={c}>{p[c] ?? "—"}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

interface RankRow {
  key: string;
  name: string;
  count: number;
}

function RankTable({ head, rows }: { head: string; rows: RankRow[] }) {
  return (
    <table className="data-table data-table-compact">
      <thead>
        <tr>
          <th scope="col">{head}</th>
          <th scope="col">Requests</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key}>
            <th scope="row">{r.name}</th>
            <td>{fmt(r.count)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A ranked list drawn as bars of plain HTML: readable as it is by any screen reader. */
function TopList({
  title,
  rows,
  names,
  what,
}: {
  title: string;
  rows: Analytics["topApis"];
  names: Map<string, string>;
  what: string;
}) {
  const id = what.replace(/\W/g, "-");
  const max = Math.max(1, ...(rows ?? []).map((r) => r.count));
  return (
    <section className="card chart-card" aria-labelledby={`top-${id}`}>
      <h2 id={`top-${id}`} className="chart-title">
        {title}
      </h2>
      {!rows ? (
        <EmptyState title={`No ranking by ${what} yet`}>This control plane does not report one yet.</EmptyState>
      ) : rows.length === 0 ? (
        <EmptyState title={`No ${what} in this range`}>Requests with a known {what} appear here.</EmptyState>
      ) : (
        <ol className="rank-list">
          {rows.slice(0, 10).map((r) => (
            <li key={r.key}>
              <span className="rank-name">{names.get(r.key) ?? r.name}</span>
              <span className="rank-count">{fmt(r.count)}</span>
              <span className="rank-bar" aria-hidden="true">
                <span className="rank-fill" style={{ width: `${(r.count / max) * 100}%` }} />
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
