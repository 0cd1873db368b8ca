import type { ReactNode } from "react";

/**
 * A wide table's horizontal scroller: a labelled region that takes focus, so keyboard users
 * can scroll it too (WCAG 2.1.1) on a narrow screen.
 */
export function TableRegion({ label, card = true, children }: { label: string; card?: boolean; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
    <section className={card ? "table-wrap card" : "table-wrap"} aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}

/**
 * A data table in its scroll region, captioned by `label` for screen readers, with its column
 * heads; `actions` adds a last column, unnamed on screen, for each row's buttons.
 */
export function DataTable({
  label,
  columns,
  actions = false,
  children,
}: {
  label: string;
  columns: readonly string[];
  actions?: boolean;
  children: ReactNode;
}) {
  return (
    <TableRegion label={label}>
      <table className="data-table">
        <caption className="visually-hidden">{label}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" key={c}>
                {c}
              </th>
            ))}
            {actions ? (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </TableRegion>
  );
}
