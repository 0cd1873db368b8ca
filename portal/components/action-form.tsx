"use client";

import { type ReactNode, useActionState, useEffect, useRef } from "react";
import { FormAlert } from "@/components/form-alert";
import { emptyFormState, type FormState } from "@/lib/forms";

export type FormAction = (prev: FormState, form: FormData) => Promise<FormState>;

/**
 * A form bound to a Server Action, with the control plane's refusal (a 403, a 409 on a
 * forbidden move, a 400 with its errors) shown above it and focused; a success notice is
 * announced politely. The children may be a function of the last state, to fill fields.
 */
export function ActionForm({
  action,
  children,
  className = "form",
  label,
  onDone,
}: {
  action: FormAction;
  children: ReactNode | ((state: FormState) => ReactNode);
  className?: string;
  label?: string;
  /** Called after each successful submission, e.g. to clear an editor. */
  onDone?: () => void;
}) {
  const [state, formAction] = useActionState(action, emptyFormState);
  const summary = useRef<HTMLDivElement>(null);
  const form = useRef<HTMLFormElement>(null);
  const done = useRef(onDone);
  done.current = onDone;
  useEffect(() => {
    if (state.notice) {
      done.current?.();
    }
    if (state.problem) {
      const invalid = form.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
      (invalid ?? summary.current)?.focus();
    }
  }, [state]);
  return (
    <form ref={form} action={formAction} className={className} aria-label={label}>
      <FormAlert state={state} ref={summary} />
      {typeof children === "function" ? children(state) : children}
      <p role="status" className={state.notice ? "form-notice" : "visually-hidden"}>
        {state.notice ?? ""}
      </p>
    </form>
  );
}
