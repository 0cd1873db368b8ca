/** A page's loading state: a spinner and what is being waited for, announced politely. */
export function LoadingPanel({ label }: { label: string }) {
  return (
    <div className="loading-panel" role="status">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}
