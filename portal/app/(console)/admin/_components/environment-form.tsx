"use client";

import { Field } from "@/components/field";
import { FormAlert } from "@/components/form-alert";
import { SubmitButton } from "@/components/submit-button";
import { useErrorFocus } from "@/components/use-error-focus";
import { emptyFormState } from "@/lib/forms";
import { createEnvironmentAction } from "../actions";

/** Creates a self-hosted environment, then opens it to make a registration token. */
export function EnvironmentForm() {
  const { state, action, form, summary } = useErrorFocus(createEnvironmentAction, emptyFormState);
  return (
    <section className="card form-card" aria-labelledby="env-title">
      <h2 id="env-title">New self-hosted environment</h2>
      <form ref={form} action={action} className="form form-inline">
        <FormAlert state={state} ref={summary} />
        <Field
          label="Name"
          name="name"
          required
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          defaultValue={state.values.name}
          error={state.fieldErrors.name}
          hint="Lowercase letters, digits and dashes, like on-prem-eu."
        />
        <Field
          label="Gateway URL (optional)"
          name="gatewayUrl"
          type="url"
          autoComplete="off"
          defaultValue={state.values.gatewayUrl}
          error={state.fieldErrors.gatewayUrl}
          hint="Where consumers reach its gateways, shown in the portal."
        />
        <SubmitButton className="btn btn-primary" pendingLabel="Creating…">
          Create environment
        </SubmitButton>
      </form>
    </section>
  );
}
