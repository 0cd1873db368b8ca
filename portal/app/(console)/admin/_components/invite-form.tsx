"use client";

import { Field } from "@/components/field";
import { FormAlert } from "@/components/form-alert";
import { SecretOnce } from "@/components/secret-once";
import { SelectField } from "@/components/select-field";
import { SubmitButton } from "@/components/submit-button";
import { useErrorFocus } from "@/components/use-error-focus";
import type { CreatedInvitation } from "@/lib/cp-admin";
import { emptyFormState } from "@/lib/forms";
import { type CreatedState, inviteAction } from "../actions";
import { ROLE_OPTIONS } from "./roles";

const initial: CreatedState<CreatedInvitation> = { ...emptyFormState, created: null };

/** Invites someone with a role; the invitation link carries a token shown only here. */
export function InviteForm({ tenant }: { tenant: string }) {
  const { state, action, form, summary } = useErrorFocus(inviteAction, initial);
  const invited = state.created;
  const link = invited
    ? `${window.location.origin}/invitation?${new URLSearchParams({ tenant, token: invited.token })}`
    : "";

  return (
    <section className="card form-card" aria-labelledby="invite-title">
      <h2 id="invite-title">Invite someone</h2>
      {invited ? (
        <SecretOnce title={`Invitation for ${invited.email}`} value={link} label="invitation link">
          <p className="small">
            Send this link to {invited.email}: it lets them choose a password and join as{" "}
            <strong>{invited.role}</strong> until{" "}
            <time dateTime={invited.expiresAt}>{invited.expiresAt.slice(0, 10)}</time>.
          </p>
        </SecretOnce>
      ) : null}
      <form ref={form} action={action} className="form form-inline">
        <FormAlert state={state} ref={summary} />
        <Field
          label="Email"
          name="email"
          type="email"
          autoComplete="off"
          required
          defaultValue={state.values.email}
          error={state.fieldErrors.email}
        />
        <SelectField
          label="Role"
          name="role"
          options={ROLE_OPTIONS}
          defaultValue={state.values.role ?? "developer"}
          error={state.fieldErrors.role}
        />
        <SubmitButton className="btn btn-primary" pendingLabel="Inviting…">
          Create invitation
        </SubmitButton>
      </form>
    </section>
  );
}
