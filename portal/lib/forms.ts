import type { Problem } from "@portico/shared";
import type { z } from "zod";

/**
 * What a form's Server Action hands back to the form after a failed submission. Form fields
 * are named by the dotted path of the request body they fill (`tenant.slug`), which is also
 * the `path` of the control plane's `errors[]`, so a problem maps onto its fields directly.
 */
export interface FormState {
  /** The problem's title and detail, shown above the form. */
  problem: { title: string; detail?: string } | null;
  /** First message per field path, shown under that field. */
  fieldErrors: Record<string, string>;
  /** Messages for paths that are no field of this form, shown in the summary. */
  otherErrors: string[];
  /** What the user had typed (never a password), so the form can be filled again. */
  values: Record<string, string>;
  /** What a successful submission did, announced to the user ("Saved."). */
  notice?: string;
}

export const emptyFormState: FormState = { problem: null, fieldErrors: {}, otherErrors: [], values: {} };

/** A string field of a submitted form; a missing or file field reads as "". */
export function field(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === "string" ? value : "";
}

export function problemState(
  problem: Pick<Problem, "title" | "detail" | "errors">,
  fields: readonly string[],
  values: Record<string, string>,
): FormState {
  const fieldErrors: Record<string, string> = {};
  const otherErrors: string[] = [];
  for (const { path, message } of problem.errors ?? []) {
    if (fields.includes(path)) {
      fieldErrors[path] ??= capitalise(message);
    } else {
      otherErrors.push(path && path !== "(root)" ? `${path}: ${message}` : capitalise(message));
    }
  }
  return {
    problem: { title: problem.title, ...(problem.detail ? { detail: sentence(problem.detail) } : {}) },
    fieldErrors,
    otherErrors,
    values,
  };
}

/**
 * Validates a request with the shared contract schema before it leaves the console, so the
 * user gets the same answer the control plane would give, without the round trip. Messages
 * the schema spells itself win; the generic ones below read better in a form than zod's.
 */
export function validate<T>(
  schema: z.ZodType<T>,
  input: unknown,
): { ok: true; value: T } | { ok: false; errors: { path: string; message: string }[] } {
  const result = schema.safeParse(input, { error: formMessage });
  if (result.success) {
    return { ok: true, value: result.data };
  }
  return {
    ok: false,
    errors: result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
  };
}

function formMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case "too_small":
      if (issue.origin === "string") {
        return Number(issue.minimum) <= 1 ? "Required" : `Use at least ${issue.minimum} characters`;
      }
      return undefined;
    case "too_big":
      return issue.origin === "string" ? `Use at most ${issue.maximum} characters` : undefined;
    case "invalid_format":
      return issue.format === "email" ? "Enter a valid email address, like ada@example.com" : undefined;
    case "invalid_type":
      return "Required";
    default:
      return undefined;
  }
}

function capitalise(message: string): string {
  return message.charAt(0).toUpperCase() + message.slice(1);
}

/** "the slug is taken" → "The slug is taken." (problem details are often written lower-case). */
export function sentence(text: string): string {
  const trimmed = capitalise(text.trim());
  return /[.!?…]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}
