"use client";

import { Field } from "@/components/field";
import { FormAlert } from "@/components/form-alert";
import { SecretOnce } from "@/components/secret-once";
import { SelectField } from "@/components/select-field";
import { SubmitButton } from "@/components/submit-button";
import { useErrorFocus } from "@/components/use-error-focus";
import type { CreatedRegistrationToken } from "@/lib/cp-admin";
import { emptyFormState } from "@/lib/forms";
import { type CreatedState, createRegistrationTokenAction } from "../actions";

const initial: CreatedState<CreatedRegistrationToken> = { ...emptyFormState, created: null };

const LIFETIMES = [
  { value: "3600", label: "1 hour" },
  { value: "86400", label: "1 day" },
  { value: "604800", label: "7 days" },
  { value: "2592000", label: "30 days" },
] as const;

/** Makes a one-time token a self-hosted gateway registers with; shown only here. */
export function RegistrationTokenForm({ environmentId, cpUrl }: { environmentId: string; cpUrl: string }) {
  const { state, action, form, summary } = useErrorFocus(createRegistrationTokenAction, initial);
  const created = state.created;
  return (
    <section className="card form-card" aria-labelledby="token-title">
      <h2 id="token-title">New registration token</h2>
      {created ? (
        <SecretOnce title="Registration token" value={created.token} label="registration token">
          <p className="small">Install a gateway with it (the token works once):</p>
          <pre className="code-block">
            <code>{`sudo infra/install-dataplane.sh \\\n  --control-plane ${cpUrl} \\\n  --token ${created.token}`}</code>
          </pre>
        </SecretOnce>
      ) : null}
      <form ref={form} action={action} className="form form-inline">
        <FormAlert state={state} ref={summary} />
        <input type="hidden" name="environmentId" value={environmentId} />
        <Field
          label="Description (optional)"
          name="description"
          autoComplete="off"
          defaultValue={state.values.description}
          error={state.fieldErrors.description}
        />
        <SelectField
          label="Valid for"
          name="expiresInSeconds"
          options={LIFETIMES}
          defaultValue={state.values.expiresInSeconds ?? "86400"}
          error={state.fieldErrors.expiresInSeconds}
        />
        <SubmitButton className="btn btn-primary" pendingLabel="Creating…">
          Create token
        </SubmitButton>
      </form>
    </section>
  );
}
