"use client";

import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  Legend,
  Line,
  LineChart,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { SeriesPoint } from "@/lib/analytics-range";

/**
 * The analytics charts (recharts). Each is drawn for sighted users and hidden from assistive
 * technology; the figure around it carries a text summary and a data table instead.
 * Colours come from the design tokens, so the charts follow the light or dark theme.
 */

const AXIS = { stroke: "var(--text-muted)", fontSize: 12 } as const;
const GRID = { stroke: "var(--border)", strokeDasharray: "3 3" } as const;
const TOOLTIP = {
  contentStyle: {
    background: "var(--surface)",
    border: "1px solid var(--border)",
    borderRadius: 8,
    color: "var(--text)",
  },
  labelStyle: { color: "var(--text)" },
} as const;
const HEIGHT = 240;

export function RequestsChart({ points }: { points: SeriesPoint[] }) {
  return (
    <div aria-hidden="true" className="chart-box">
      <AreaChart responsive data={points} style={{ width: "100%", height: HEIGHT }} accessibilityLayer={false}>
        <CartesianGrid {...GRID} />
        <XAxis dataKey="label" tick={AXIS} stroke="var(--border-strong)" minTickGap={24} />
        <YAxis tick={AXIS} stroke="var(--border-strong)" allowDecimals={false} width={44} />
        <Tooltip {...TOOLTIP} />
        <Legend />
        <Area
          type="monotone"
          dataKey="requests"
          name="Requests"
          stroke="var(--chart-1)"
          fill="var(--chart-1)"
          fillOpacity={0.18}
          isAnimationActive={false}
        />
        <Area
          type="monotone"
          dataKey="errors"
          name="Errors (status ≥ 400)"
          stroke="var(--chart-err)"
          fill="var(--chart-err)"
          fillOpacity={0.18}
          isAnimationActive={false}
        />
      </AreaChart>
    </div>
  );
}

/** Below this many buckets with requests, lines get dots: a lone bucket would draw nothing. */
const DOTS_BELOW = 20;

export function LatencyChart({ points }: { points: SeriesPoint[] }) {
  const dot = points.filter((p) => p.p50 !== null).length < DOTS_BELOW ? { r: 3 } : false;
  return (
    <div aria-hidden="true" className="chart-box">
      <LineChart responsive data={points} style={{ width: "100%", height: HEIGHT }} accessibilityLayer={false}>
        <CartesianGrid {...GRID} />
        <XAxis dataKey="label" tick={AXIS} stroke="var(--border-strong)" minTickGap={24} />
        <YAxis tick={AXIS} stroke="var(--border-strong)" unit=" ms" width={64} />
        <Tooltip {...TOOLTIP} />
        <Legend />
        <Line dataKey="p50" name="p50" stroke="var(--chart-1)" dot={dot} connectNulls isAnimationActive={false} />
        <Line
          dataKey="p95"
          name="p95"
          stroke="var(--chart-2)"
          strokeDasharray="6 3"
          dot={dot}
          connectNulls
          isAnimationActive={false}
        />
        <Line
          dataKey="p99"
          name="p99"
          stroke="var(--chart-3)"
          strokeDasharray="2 3"
          dot={dot}
          connectNulls
          isAnimationActive={false}
        />
      </LineChart>
    </div>
  );
}

const CLASS_COLOURS: Record<string, string> = {
  "2xx": "var(--chart-ok)",
  "3xx": "var(--chart-1)",
  "4xx": "var(--chart-warn)",
  "5xx": "var(--chart-err)",
};

export function StatusClassChart({ rows }: { rows: { statusClass: string; count: number }[] }) {
  return (
    <div aria-hidden="true" className="chart-box">
      <BarChart responsive data={rows} style={{ width: "100%", height: HEIGHT }} accessibilityLayer={false}>
        <CartesianGrid {...GRID} vertical={false} />
        <XAxis dataKey="statusClass" tick={AXIS} stroke="var(--border-strong)" />
        <YAxis tick={AXIS} stroke="var(--border-strong)" allowDecimals={false} width={44} />
        <Tooltip {...TOOLTIP} cursor={{ fill: "var(--surface-2)" }} />
        <Bar dataKey="count" name="Requests" isAnimationActive={false}>
          {rows.map((r) => (
            <Cell key={r.statusClass} fill={CLASS_COLOURS[r.statusClass] ?? "var(--chart-2)"} />
          ))}
        </Bar>
      </BarChart>
    </div>
  );
}
