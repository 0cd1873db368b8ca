import "server-only";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { type CpResult, isUnauthorized } from "./cp-client";
import { emptyFormState, type FormState, problemState } from "./forms";
import { SESSION_EXPIRED_PATH } from "./session";

/**
 * What a console Server Action hands back after calling the control plane: on success, the
 * page is rendered again with the new state and the notice is announced; a refused token goes
 * to sign-in; any other problem is shown on the form, its errors at the named fields.
 */
export function outcome(
  result: CpResult<unknown>,
  {
    notice,
    path,
    fields = [],
    values = {},
  }: { notice: string; path: string; fields?: readonly string[]; values?: Record<string, string> },
): FormState {
  if (result.ok) {
    revalidatePath(path);
    return { ...emptyFormState, notice };
  }
  if (isUnauthorized(result.error)) {
    redirect(SESSION_EXPIRED_PATH);
  }
  return problemState(result.error, fields, values);
}

/** A form problem found before calling the control plane. */
export function invalid(
  errors: { path: string; message: string }[],
  fields: readonly string[],
  values: Record<string, string> = {},
): FormState {
  return problemState({ title: "Check the highlighted fields", errors }, fields, values);
}
