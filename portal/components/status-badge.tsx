import type { ApiStatus } from "@/lib/cp-client";

const STATUS: Record<ApiStatus, { label: string; className: string; meaning: string }> = {
  CREATED: { label: "Created", className: "badge-created", meaning: "Defined, not yet visible to consumers" },
  "PRE-RELEASED": {
    label: "Pre-released",
    className: "badge-pre-released",
    meaning: "Visible for early testing; may still change",
  },
  PUBLISHED: { label: "Published", className: "badge-published", meaning: "Live: consumers can subscribe and call it" },
  BLOCKED: { label: "Blocked", className: "badge-blocked", meaning: "Gateways refuse every call to it" },
  DEPRECATED: { label: "Deprecated", className: "badge-deprecated", meaning: "Still served; no new subscriptions" },
  RETIRED: { label: "Retired", className: "badge-retired", meaning: "No longer served" },
};

/** Lifecycle status: colour, dot shape and word together, so colour is never the only cue. */
export function StatusBadge({ status }: { status: ApiStatus }) {
  const s = STATUS[status];
  return (
    <span className={`badge ${s.className}`} title={s.meaning}>
      <span className="visually-hidden">Status: </span>
      {s.label}
    </span>
  );
}
