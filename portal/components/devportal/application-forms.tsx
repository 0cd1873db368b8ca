"use client";

import { useActionState, useId } from "react";
import { CopyButton } from "@/components/copy-button";
import { Field } from "@/components/field";
import { FormAlert } from "@/components/form-alert";
import { SubmitButton } from "@/components/submit-button";
import { emptyFormState, type FormState } from "@/lib/forms";

type FormAction = (prev: FormState, form: FormData) => Promise<FormState>;

export function CreateApplicationForm({
  tenant,
  subscribe,
  action,
}: {
  tenant: string;
  subscribe: string;
  action: FormAction;
}) {
  const [state, formAction] = useActionState(action, emptyFormState);
  return (
    <form action={formAction} className="form dp-inline-form">
      <FormAlert state={state} />
      <input type="hidden" name="tenant" value={tenant} />
      <input type="hidden" name="subscribe" value={subscribe} />
      <Field
        label="Application name"
        name="name"
        defaultValue={state.values.name}
        error={state.fieldErrors.name}
        maxLength={100}
        required
        hint="The app, service or script that calls the APIs."
      />
      <SubmitButton pendingLabel="Creating…" className="btn btn-primary">
        Create application
      </SubmitButton>
    </form>
  );
}

export function SubscribeForm({
  tenant,
  applicationId,
  applicationName,
  apis,
  tiers,
  preselect,
  action,
}: {
  tenant: string;
  applicationId: string;
  applicationName: string;
  apis: { id: string; label: string }[];
  tiers: { name: string; label: string }[];
  preselect: string;
  action: FormAction;
}) {
  const [state, formAction] = useActionState(action, emptyFormState);
  const id = useId();
  if (apis.length === 0) {
    return <p className="dp-muted">Subscribed to every API open for subscription.</p>;
  }
  return (
    <form action={formAction} className="dp-subscribe" aria-label={`Subscribe ${applicationName} to an API`}>
      <FormAlert state={state} />
      <input type="hidden" name="tenant" value={tenant} />
      <input type="hidden" name="applicationId" value={applicationId} />
      <div className="dp-field dp-field-grow">
        <label htmlFor={`${id}-api`}>API</label>
        <select id={`${id}-api`} name="apiId" defaultValue={state.values.apiId ?? preselect} required>
          {apis.map((a) => (
            <option key={a.id} value={a.id}>
              {a.label}
            </option>
          ))}
        </select>
      </div>
      <div className="dp-field">
        <label htmlFor={`${id}-tier`}>Tier</label>
        <select id={`${id}-tier`} name="tier" defaultValue={state.values.tier ?? tiers[0]?.name} required>
          {tiers.map((t) => (
            <option key={t.name} value={t.name}>
              {t.label}
            </option>
          ))}
        </select>
      </div>
      <SubmitButton pendingLabel="Subscribing…" className="btn btn-secondary">
        Subscribe
      </SubmitButton>
    </form>
  );
}

export type SecretState =
  | { kind: "idle" }
  | { kind: "error"; message: string }
  | { kind: "api-key"; key: string }
  | { kind: "oauth"; clientId: string; clientSecret: string };

/**
 * Makes a new API key or OAuth client and shows its secret this once, with a copy button:
 * nothing keeps it afterwards, in the console or the control plane (which stores a hash).
 */
export function SecretMaker({
  tenant,
  applicationId,
  applicationName,
  kind,
  action,
}: {
  tenant: string;
  applicationId: string;
  applicationName: string;
  kind: "api-key" | "oauth";
  action: (prev: SecretState, form: FormData) => Promise<SecretState>;
}) {
  const [state, formAction] = useActionState(action, { kind: "idle" } as SecretState);
  const what = kind === "api-key" ? "API key" : "OAuth client";
  return (
    <div className="dp-secret-maker">
      <form action={formAction}>
        <input type="hidden" name="tenant" value={tenant} />
        <input type="hidden" name="applicationId" value={applicationId} />
        <input type="hidden" name="kind" value={kind} />
        <SubmitButton pendingLabel="Creating…" className="btn btn-secondary btn-sm">
          {state.kind === kind ? `New ${what}` : `Create ${what}`}
          <span className="visually-hidden"> for {applicationName}</span>
        </SubmitButton>
      </form>
      {state.kind === "error" ? (
        <p className="field-error" role="alert">
          {state.message}
        </p>
      ) : null}
      {state.kind === "api-key" ? (
        <Secret title="API key" values={[{ label: "API key", value: state.key }]} />
      ) : state.kind === "oauth" ? (
        <Secret
          title="OAuth client"
          values={[
            { label: "Client id", value: state.clientId },
            { label: "Client secret", value: state.clientSecret },
          ]}
        />
      ) : null}
    </div>
  );
}

function Secret({ title, values }: { title: string; values: { label: string; value: string }[] }) {
  return (
    <div className="dp-secret" role="status">
      <p className="dp-secret-title">
        <strong>{title} created.</strong> Copy it now: it is shown only this once.
      </p>
      {values.map((v) => (
        <div key={v.label} className="dp-secret-row">
          <span className="dp-secret-label">{v.label}</span>
          <code className="dp-secret-value" data-secret={v.label}>
            {v.value}
          </code>
          <CopyButton value={v.value} label={v.label} />
        </div>
      ))}
    </div>
  );
}
