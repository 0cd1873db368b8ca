"use client";

import type { ReactNode } from "react";
import { useFormStatus } from "react-dom";

/** The submit button of a form: busy and announced while its Server Action runs. */
export function SubmitButton({
  children,
  pendingLabel,
  className = "btn btn-primary btn-block",
}: {
  children: ReactNode;
  pendingLabel: string;
  className?: string;
}) {
  const { pending } = useFormStatus();
  return (
    <button type="submit" className={className} disabled={pending} aria-busy={pending || undefined}>
      {pending ? (
        <>
          <span className="spinner" aria-hidden="true" />
          <span role="status">{pendingLabel}</span>
        </>
      ) : (
        children
      )}
    </button>
  );
}
