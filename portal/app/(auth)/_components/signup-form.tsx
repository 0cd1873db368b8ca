"use client";

import { useState } from "react";
import { Field } from "@/components/field";
import { FormAlert } from "@/components/form-alert";
import { SubmitButton } from "@/components/submit-button";
import { useErrorFocus } from "@/components/use-error-focus";
import { emptyFormState } from "@/lib/forms";
import { signupAction } from "../actions";

/** "Acme Café, Inc." → "acme-cafe-inc": a slug the contract accepts (2–40 characters). */
function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 40)
    .replace(/^-+|-+$/g, "");
}

export function SignupForm({ gatewayUrl }: { gatewayUrl: string }) {
  const { state, action, form, summary } = useErrorFocus(signupAction, emptyFormState);

  // The slug follows the organisation name until the user edits it.
  const [slug, setSlug] = useState(state.values["tenant.slug"] ?? "");
  const [slugEdited, setSlugEdited] = useState(false);

  return (
    <form ref={form} action={action} className="form">
      <FormAlert state={state} ref={summary} />
      <Field
        label="Organisation name"
        name="tenant.name"
        defaultValue={state.values["tenant.name"]}
        error={state.fieldErrors["tenant.name"]}
        autoComplete="organization"
        maxLength={100}
        required
        autoFocus
        onChange={(e) => {
          if (!slugEdited) {
            setSlug(slugify(e.target.value));
          }
        }}
      />
      <Field
        label="Slug"
        name="tenant.slug"
        value={slug}
        onChange={(e) => {
          setSlugEdited(true);
          setSlug(e.target.value.toLowerCase());
        }}
        error={state.fieldErrors["tenant.slug"]}
        hint={
          <>
            Lowercase letters, digits and dashes. It names your organisation in URLs:{" "}
            <code className="code-inline">
              {gatewayUrl}/t/{slug || "your-slug"}/
            </code>
          </>
        }
        autoCapitalize="none"
        spellCheck={false}
        minLength={2}
        maxLength={40}
        pattern="[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?"
        title="2 to 40 lowercase letters, digits and inner dashes"
        required
      />
      <Field
        label="Admin email"
        name="admin.email"
        type="email"
        defaultValue={state.values["admin.email"]}
        error={state.fieldErrors["admin.email"]}
        autoComplete="email"
        maxLength={254}
        required
      />
      <Field
        label="Password"
        name="admin.password"
        type="password"
        error={state.fieldErrors["admin.password"]}
        hint="At least 8 characters."
        autoComplete="new-password"
        minLength={8}
        maxLength={200}
        required
      />
      <SubmitButton pendingLabel="Creating your organisation…">Create organisation</SubmitButton>
    </form>
  );
}
