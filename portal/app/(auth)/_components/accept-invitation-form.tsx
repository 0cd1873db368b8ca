"use client";

import { Field } from "@/components/field";
import { FormAlert } from "@/components/form-alert";
import { SubmitButton } from "@/components/submit-button";
import { useErrorFocus } from "@/components/use-error-focus";
import { emptyFormState } from "@/lib/forms";
import { acceptInvitationAction } from "../actions";

/** The invitee chooses a password; the invitation's tenant and token travel as hidden fields. */
export function AcceptInvitationForm({ tenant, token }: { tenant: string; token: string }) {
  const { state, action, form, summary } = useErrorFocus(acceptInvitationAction, emptyFormState);
  return (
    <form ref={form} action={action} className="form">
      <FormAlert state={state} ref={summary} />
      <input type="hidden" name="tenant" value={tenant} />
      <input type="hidden" name="token" value={token} />
      <Field
        label="Choose a password"
        name="password"
        type="password"
        autoComplete="new-password"
        minLength={8}
        required
        error={state.fieldErrors.password}
        hint="At least 8 characters."
      />
      <SubmitButton pendingLabel="Joining…">Join the organisation</SubmitButton>
    </form>
  );
}
