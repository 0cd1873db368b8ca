"use client";

import type { Api } from "@portico/shared";
import { ActionForm, type FormAction } from "@/components/action-form";
import { Field } from "@/components/field";
import { SubmitButton } from "@/components/submit-button";

export function OverviewForm({ action, api }: { action: FormAction; api: Api }) {
  return (
    <ActionForm action={action} label="Overview">
      {(state) => (
        <>
          <div className="field-row">
            <Field
              label="Name"
              name="name"
              defaultValue={state.values.name ?? api.name}
              error={state.fieldErrors.name}
              required
              maxLength={100}
            />
            <Field
              label="Upstream URL"
              name="upstream.url"
              type="url"
              defaultValue={state.values["upstream.url"] ?? api.upstream.url}
              error={state.fieldErrors["upstream.url"]}
              required
            />
          </div>
          <Field
            label="Description"
            name="description"
            defaultValue={state.values.description ?? api.description ?? ""}
            error={state.fieldErrors.description}
          />
          <Field
            label="Tags"
            name="tags"
            defaultValue={state.values.tags ?? api.tags.join(", ")}
            error={state.fieldErrors.tags}
            hint="Comma-separated; the developer portal filters by them."
          />
          <div className="field field-check">
            <input
              id="field-subscriptionApproval"
              name="subscriptionApproval"
              type="checkbox"
              defaultChecked={api.subscriptionApproval}
            />
            <label htmlFor="field-subscriptionApproval">New subscriptions wait for approval</label>
          </div>
          <div>
            <SubmitButton pendingLabel="Saving…" className="btn btn-primary">
              Save overview
            </SubmitButton>
          </div>
        </>
      )}
    </ActionForm>
  );
}
