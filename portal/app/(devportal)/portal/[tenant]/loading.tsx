/** Shown while a portal page waits for the control plane. */
export default function Loading() {
  return (
    <div className="dp-loading" aria-busy="true">
      <span className="spinner" aria-hidden="true" />
      <span role="status">Loading…</span>
    </div>
  );
}
