"use client";

import { useActionState } from "react";
import { Field } from "@/components/field";
import { FormAlert } from "@/components/form-alert";
import { SubmitButton } from "@/components/submit-button";
import { emptyFormState, type FormState } from "@/lib/forms";

type FormAction = (prev: FormState, form: FormData) => Promise<FormState>;

/** Register and sign in on a portal: the tenant is the portal's, never typed. */
export function AccountForm({
  mode,
  tenant,
  next,
  action,
}: {
  mode: "register" | "login";
  tenant: string;
  next: string;
  action: FormAction;
}) {
  const [state, formAction] = useActionState(action, emptyFormState);
  const register = mode === "register";
  return (
    <form action={formAction} className="form">
      <FormAlert state={state} />
      <input type="hidden" name="tenant" value={tenant} />
      <input type="hidden" name="next" value={next} />
      <Field
        label="Email"
        name="email"
        type="email"
        defaultValue={state.values.email}
        error={state.fieldErrors.email}
        autoComplete={register ? "email" : "username"}
        maxLength={254}
        required
        autoFocus
      />
      <Field
        label="Password"
        name="password"
        type="password"
        error={state.fieldErrors.password}
        autoComplete={register ? "new-password" : "current-password"}
        {...(register ? { minLength: 8, hint: "At least 8 characters." } : {})}
        maxLength={200}
        required
      />
      <SubmitButton pendingLabel={register ? "Creating your account…" : "Signing in…"}>
        {register ? "Create developer account" : "Sign in"}
      </SubmitButton>
    </form>
  );
}
