"use client";

import { useActionState, useEffect, useRef } from "react";
import type { FormState } from "@/lib/forms";

/**
 * A form's Server Action state, with refs for the form and its error summary. After a failed
 * submission, focus moves to the first invalid field, or to the summary when no field is at
 * fault, so keyboard and screen-reader users land on what needs fixing.
 */
export function useErrorFocus<S extends FormState>(
  serverAction: (state: Awaited<S>, data: FormData) => S | Promise<S>,
  initial: Awaited<S>,
) {
  const [state, action] = useActionState(serverAction, initial);
  const form = useRef<HTMLFormElement>(null);
  const summary = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!state.problem) {
      return;
    }
    const invalid = form.current?.querySelector<HTMLInputElement>('[aria-invalid="true"]');
    (invalid ?? summary.current)?.focus();
  }, [state]);
  return { state, action, form, summary };
}
