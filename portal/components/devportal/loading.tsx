/**
 * Shown while a portal page waits for the control plane. Only pages that never answer 404 use
 * it: once a loading state has streamed, the response status is fixed at 200.
 */
export function PortalLoading() {
  return (
    <div className="dp-loading" aria-busy="true">
      <span className="spinner" aria-hidden="true" />
      <span role="status">Loading…</span>
    </div>
  );
}
