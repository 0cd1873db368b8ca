"use client";

import type { Api } from "@portico/shared";
import { useId } from "react";
import { ActionForm, type FormAction } from "@/components/action-form";
import { SubmitButton } from "@/components/submit-button";

type Resource = Api["resources"][number];

/** One operation: authentication on or off, required scopes and a tier, saved on their own. */
export function ResourceForm({ action, resource, tiers }: { action: FormAction; resource: Resource; tiers: string[] }) {
  const id = useId();
  const key = `${resource.method} ${resource.path}`;
  return (
    <ActionForm action={action} className="resource-form" label={key}>
      {(state) => (
        <>
          <input type="hidden" name="resource" value={key} />
          <div className="resource-op">
            <span className={`method method-${resource.method.toLowerCase()}`}>{resource.method}</span>
            <code className="url">{resource.path}</code>
            {resource.summary ? <span className="muted resource-summary">{resource.summary}</span> : null}
          </div>
          <div className="field field-check">
            <input
              id={`${id}-auth`}
              name="authRequired"
              type="checkbox"
              defaultChecked={resource.authRequired !== false}
            />
            <label htmlFor={`${id}-auth`}>
              Requires a credential<span className="visually-hidden"> for {key}</span>
            </label>
          </div>
          <div className="field">
            <label htmlFor={`${id}-scopes`}>
              Scopes<span className="visually-hidden"> for {key}</span>
            </label>
            <input
              id={`${id}-scopes`}
              name="scopes"
              defaultValue={state.values.scopes ?? resource.scopes?.join(" ") ?? ""}
              placeholder="none"
              aria-invalid={state.fieldErrors.scopes ? true : undefined}
              spellCheck={false}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-tier`}>
              Tier<span className="visually-hidden"> for {key}</span>
            </label>
            <select id={`${id}-tier`} name="tier" defaultValue={resource.tier ?? ""}>
              <option value="">None</option>
              {tiers.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </div>
          <SubmitButton pendingLabel="Saving…" className="btn btn-secondary btn-sm">
            Save<span className="visually-hidden"> {key}</span>
          </SubmitButton>
        </>
      )}
    </ActionForm>
  );
}
