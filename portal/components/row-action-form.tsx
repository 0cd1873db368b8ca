"use client";

import { useActionState } from "react";
import { emptyFormState, type FormState } from "@/lib/forms";
import { SubmitButton } from "./submit-button";

/**
 * A one-button form on a table row (revoke, delete): the row's ids travel as hidden fields,
 * and a refusal from the control plane shows beside the button.
 */
export function RowActionForm({
  action,
  fields,
  label,
  pendingLabel,
  accessibleLabel,
  destructive = true,
}: {
  action: (prev: FormState, form: FormData) => Promise<FormState>;
  fields: Record<string, string>;
  label: string;
  pendingLabel: string;
  /** What the button does to which row, for screen readers ("Revoke the invitation of ada@…"). */
  accessibleLabel: string;
  /** Revocations and deletions look dangerous; a harmless request (resync) does not. */
  destructive?: boolean;
}) {
  const [state, formAction] = useActionState(action, emptyFormState);
  return (
    <form action={formAction} className="row-action">
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <SubmitButton className={`btn btn-ghost btn-sm${destructive ? " btn-danger" : ""}`} pendingLabel={pendingLabel}>
        {label}
        <span className="visually-hidden"> ({accessibleLabel})</span>
      </SubmitButton>
      <RowProblem state={state} />
    </form>
  );
}

/** A row form's refusal, on one line beside its controls. */
export function RowProblem({ state }: { state: FormState }) {
  return state.problem ? (
    <p className="field-error" role="alert">
      {state.problem.title}
      {state.problem.detail ? `: ${state.problem.detail}` : ""}
    </p>
  ) : null;
}
