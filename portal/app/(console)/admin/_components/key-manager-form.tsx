"use client";

import { Field } from "@/components/field";
import { FormAlert } from "@/components/form-alert";
import { SubmitButton } from "@/components/submit-button";
import { useErrorFocus } from "@/components/use-error-focus";
import { emptyFormState } from "@/lib/forms";
import { createKeyManagerAction } from "../actions";

/** Registers an external OIDC issuer whose tokens the gateways accept. */
export function KeyManagerForm() {
  const { state, action, form, summary } = useErrorFocus(createKeyManagerAction, emptyFormState);
  return (
    <section className="card form-card" aria-labelledby="km-title">
      <h2 id="km-title">Register a key manager</h2>
      <form ref={form} action={action} className="form form-grid">
        <FormAlert state={state} ref={summary} />
        <Field label="Name" name="name" required defaultValue={state.values.name} error={state.fieldErrors.name} />
        <Field
          label="Issuer"
          name="issuer"
          type="url"
          required
          defaultValue={state.values.issuer}
          error={state.fieldErrors.issuer}
          hint="The iss of its tokens, like https://tenant.eu.auth0.com/"
        />
        <Field
          label="JWKS URI (optional)"
          name="jwksUri"
          type="url"
          defaultValue={state.values.jwksUri}
          error={state.fieldErrors.jwksUri}
          hint="Found by OIDC discovery when empty."
        />
        <Field
          label="Audience (optional)"
          name="audience"
          defaultValue={state.values.audience}
          error={state.fieldErrors.audience}
        />
        <Field
          label="Client id claim (optional)"
          name="clientIdClaim"
          defaultValue={state.values.clientIdClaim}
          error={state.fieldErrors.clientIdClaim}
          hint="The claim naming the client; client_id when empty."
        />
        <div className="form-actions">
          <SubmitButton className="btn btn-primary" pendingLabel="Registering…">
            Register
          </SubmitButton>
        </div>
      </form>
    </section>
  );
}
