"use client";

import { useActionState } from "react";
import { FormAlert } from "@/components/form-alert";
import { SubmitButton } from "@/components/submit-button";
import { emptyFormState, type FormState } from "@/lib/forms";

export function CommentForm({
  tenant,
  apiId,
  action,
}: {
  tenant: string;
  apiId: string;
  action: (prev: FormState, form: FormData) => Promise<FormState>;
}) {
  const [state, formAction] = useActionState(action, emptyFormState);
  const error = state.fieldErrors.body;
  return (
    <form action={formAction} className="form dp-comment-form">
      <FormAlert state={state} />
      <input type="hidden" name="tenant" value={tenant} />
      <input type="hidden" name="apiId" value={apiId} />
      <div className="dp-field">
        <label htmlFor="comment-body">Add a comment</label>
        <textarea
          id="comment-body"
          name="body"
          rows={3}
          maxLength={2000}
          required
          defaultValue={state.values.body}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "comment-body-error" : undefined}
        />
        {error ? (
          <p id="comment-body-error" className="field-error">
            {error}
          </p>
        ) : null}
      </div>
      <SubmitButton pendingLabel="Posting…" className="btn btn-secondary btn-sm">
        Post comment
      </SubmitButton>
    </form>
  );
}
