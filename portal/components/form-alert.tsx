import type { Ref } from "react";
import type { FormState } from "@/lib/forms";

/**
 * The summary above a form after a failed submission: the problem's title and detail, and
 * any error that belongs to no field of the form. Focusable, so the form can move focus here.
 */
export function FormAlert({ state, ref }: { state: FormState; ref?: Ref<HTMLDivElement> }) {
  if (!state.problem) {
    return null;
  }
  return (
    <div className="alert alert-error" role="alert" tabIndex={-1} ref={ref}>
      <p className="alert-title">{state.problem.title}</p>
      {state.problem.detail ? <p>{state.problem.detail}</p> : null}
      {state.otherErrors.length > 0 ? (
        <ul>
          {state.otherErrors.map((message) => (
            <li key={message}>{message}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
