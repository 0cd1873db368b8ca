"use client";

import { type RefObject, useEffect } from "react";
import type { FormState } from "@/lib/forms";

/**
 * After a failed submission, moves focus to the first invalid field, or to the summary when
 * no field is at fault, so keyboard and screen-reader users land on what needs fixing.
 */
export function useErrorFocus(
  state: FormState,
  form: RefObject<HTMLFormElement | null>,
  summary: RefObject<HTMLDivElement | null>,
): void {
  useEffect(() => {
    if (!state.problem) {
      return;
    }
    const invalid = form.current?.querySelector<HTMLInputElement>('[aria-invalid="true"]');
    (invalid ?? summary.current)?.focus();
  }, [state, form, summary]);
}
