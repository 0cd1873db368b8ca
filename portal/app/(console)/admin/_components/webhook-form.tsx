"use client";

import { Field } from "@/components/field";
import { FormAlert } from "@/components/form-alert";
import { SecretOnce } from "@/components/secret-once";
import { SubmitButton } from "@/components/submit-button";
import { useErrorFocus } from "@/components/use-error-focus";
import type { CreatedWebhook } from "@/lib/cp-admin";
import { emptyFormState } from "@/lib/forms";
import { type CreatedState, createWebhookAction } from "../actions";

const initial: CreatedState<CreatedWebhook> = { ...emptyFormState, created: null };

/** Registers a URL for events; the signing secret is shown only here. */
export function WebhookForm() {
  const { state, action, form, summary } = useErrorFocus(createWebhookAction, initial);
  return (
    <section className="card form-card" aria-labelledby="webhook-title">
      <h2 id="webhook-title">New webhook</h2>
      {state.created ? (
        <SecretOnce
          title={`Signing secret of ${state.created.url}`}
          value={state.created.secret}
          label="signing secret"
        >
          <p className="small">
            Each delivery carries an <code>X-Portico-Signature</code> header: the HMAC-SHA256 of the body with this
            secret.
          </p>
        </SecretOnce>
      ) : null}
      <form ref={form} action={action} className="form form-inline">
        <FormAlert state={state} ref={summary} />
        <Field
          label="URL"
          name="url"
          type="url"
          required
          autoComplete="off"
          defaultValue={state.values.url}
          error={state.fieldErrors.url}
        />
        <Field
          label="Events"
          name="events"
          required
          autoComplete="off"
          spellCheck={false}
          defaultValue={state.values.events ?? "*"}
          error={state.fieldErrors.events}
          hint="Audit actions, separated by spaces or commas: api.lifecycle, subscription.*, or * for all."
        />
        <SubmitButton className="btn btn-primary" pendingLabel="Creating…">
          Create webhook
        </SubmitButton>
      </form>
    </section>
  );
}
