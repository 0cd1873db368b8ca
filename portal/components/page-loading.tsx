/** What a console page shows while the server renders it: its shape, and a spoken status. */
export function PageLoading({ label }: { label: string }) {
  return (
    <div className="page" aria-busy="true">
      <p role="status" className="loading-line">
        <span className="spinner" aria-hidden="true" />
        {label}
      </p>
      <div className="skeleton skeleton-title" />
      <div className="skeleton skeleton-card" />
      <div className="skeleton skeleton-card" />
    </div>
  );
}
