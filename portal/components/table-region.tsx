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
