"use client";

import { ActionForm } from "@/components/action-form";
import { Field } from "@/components/field";
import { SubmitButton } from "@/components/submit-button";
import { createApiAction, importApiAction } from "../actions";

export function ImportApiForm() {
  return (
    <ActionForm action={importApiAction} label="Import an OpenAPI document">
      {(state) => {
        const fileError = state.fieldErrors.openapi;
        return (
          <>
            <div className="field">
              <label htmlFor="field-openapi">OpenAPI document</label>
              <input
                id="field-openapi"
                name="openapi"
                type="file"
                accept=".json,.yaml,.yml,application/json,application/yaml,text/yaml"
                required
                aria-invalid={fileError ? true : undefined}
                aria-describedby={fileError ? "field-openapi-error" : "field-openapi-hint"}
              />
              {fileError ? (
                <ul id="field-openapi-error" className="field-error-list">
                  {fileError.split("\n").map((line) => (
                    <li key={line} className="field-error">
                      {line}
                    </li>
                  ))}
                </ul>
              ) : (
                <p id="field-openapi-hint" className="field-hint">
                  Up to 2 MB.
                </p>
              )}
            </div>
            <Field
              label="Upstream URL (optional)"
              name="upstream.url"
              type="url"
              placeholder="https://pets.internal.example"
              defaultValue={state.values["upstream.url"]}
              error={state.fieldErrors["upstream.url"]}
            />
            <div className="field-row">
              <Field
                label="Context (optional)"
                name="context"
                defaultValue={state.values.context}
                error={state.fieldErrors.context}
                hint="From the title when empty."
              />
              <Field
                label="Version (optional)"
                name="version"
                defaultValue={state.values.version}
                error={state.fieldErrors.version}
                hint="From info.version when empty."
              />
            </div>
            <SubmitButton pendingLabel="Importing…">Import API</SubmitButton>
          </>
        );
      }}
    </ActionForm>
  );
}

export function CreateApiForm() {
  return (
    <ActionForm action={createApiAction} label="Create an API">
      {(state) => (
        <>
          <Field
            label="Name"
            name="name"
            defaultValue={state.values.name}
            error={state.fieldErrors.name}
            required
            maxLength={100}
          />
          <div className="field-row">
            <Field
              label="Context"
              name="context"
              defaultValue={state.values.context}
              error={state.fieldErrors.context}
              placeholder="pets"
              required
            />
            <Field
              label="Version"
              name="version"
              defaultValue={state.values.version}
              error={state.fieldErrors.version}
              placeholder="v1"
              required
            />
          </div>
          <Field
            label="Upstream URL"
            name="upstream.url"
            type="url"
            placeholder="https://pets.internal.example"
            defaultValue={state.values["upstream.url"]}
            error={state.fieldErrors["upstream.url"]}
            required
          />
          <Field
            label="Description (optional)"
            name="description"
            defaultValue={state.values.description}
            error={state.fieldErrors.description}
          />
          <SubmitButton pendingLabel="Creating…">Create API</SubmitButton>
        </>
      )}
    </ActionForm>
  );
}
