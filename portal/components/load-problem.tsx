import type { Problem } from "@portico/shared";
import { sentence } from "@/lib/forms";

/** What a page shows when the control plane refused or failed to give it its data. */
export function LoadProblem({ problem, retryHref }: { problem: Pick<Problem, "title" | "detail">; retryHref: string }) {
  return (
    <div className="card problem-panel" role="alert">
      <h2>{problem.title}</h2>
      {problem.detail ? <p>{sentence(problem.detail)}</p> : null}
      <a className="btn btn-secondary" href={retryHref}>
        Try again
      </a>
    </div>
  );
}
