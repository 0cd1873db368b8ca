"use client";

/** Unexpected failures inside the console (expected control-plane problems render inline). */
export default function ConsoleError({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="page">
      <div className="card problem-panel" role="alert">
        <h1>Something went wrong</h1>
        <p>The console hit an unexpected error while loading this page.</p>
        <button type="button" className="btn btn-primary" onClick={reset}>
          Try again
        </button>
      </div>
    </div>
  );
}
