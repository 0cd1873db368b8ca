"use client";

import { Field } from "@/components/field";
import { FormAlert } from "@/components/form-alert";
import { SubmitButton } from "@/components/submit-button";
import { useErrorFocus } from "@/components/use-error-focus";
import { emptyFormState } from "@/lib/forms";
import { loginAction } from "../actions";

export function LoginForm({ defaultTenant }: { defaultTenant: string }) {
  const { state, action, form, summary } = useErrorFocus(loginAction, emptyFormState);
  const tenant = state.values.tenant ?? defaultTenant;

  return (
    <form ref={form} action={action} className="form">
      <FormAlert state={state} ref={summary} />
      <Field
        label="Organisation"
        name="tenant"
        defaultValue={tenant}
        error={state.fieldErrors.tenant}
        hint="The slug chosen at sign-up, like acme."
        autoComplete="off"
        autoCapitalize="none"
        spellCheck={false}
        required
        autoFocus={!tenant}
      />
      <Field
        label="Email"
        name="email"
        type="email"
        defaultValue={state.values.email}
        error={state.fieldErrors.email}
        autoComplete="username"
        required
        autoFocus={Boolean(tenant) && !state.values.email}
      />
      <Field
        label="Password"
        name="password"
        type="password"
        error={state.fieldErrors.password}
        autoComplete="current-password"
        required
      />
      <SubmitButton pendingLabel="Signing in…">Sign in</SubmitButton>
    </form>
  );
}
