import type { ReactNode } from "react";

/** The heading of an admin or analytics page: title, one line of what it is for, actions. */
export function PageHeading({ title, lead, children }: { title: string; lead: string; children?: ReactNode }) {
  return (
    <div className="page-head">
      <div className="page-head-text">
        <h1>{title}</h1>
        <p>{lead}</p>
      </div>
      {children}
    </div>
  );
}
