"use client";

import type { TierDto } from "@portico/shared";
import { useId } from "react";
import { ActionForm, type FormAction } from "@/components/action-form";
import { Field } from "@/components/field";
import { SubmitButton } from "@/components/submit-button";

const UNITS = ["second", "minute", "hour", "day"] as const;

/** The limits of a tier: a new one (with its name) or an existing one. */
export function TierForm({ action, tier, kind }: { action: FormAction; tier?: TierDto; kind: TierDto["kind"] }) {
  const id = useId();
  const fieldId = (name: string) => `${id}-${name}`;
  return (
    <ActionForm action={action} label={tier ? `Edit ${tier.name}` : "New tier"}>
      {(state) => (
        <>
          <input type="hidden" name="kind" value={kind} />
          {tier ? null : (
            <Field
              id={fieldId("name")}
              label="Name"
              name="name"
              defaultValue={state.values.name}
              error={state.fieldErrors.name}
              required
              maxLength={60}
              hint="Letters, digits, spaces, _ and -."
            />
          )}
          <div className="field-row">
            <Field
              id={fieldId("requests")}
              label="Requests"
              name="requests"
              type="number"
              min={1}
              defaultValue={state.values.requests ?? tier?.requests ?? ""}
              error={state.fieldErrors.requests}
              hint="Empty: no rate limit."
            />
            <div className="field">
              <label htmlFor={fieldId("unit")}>Per</label>
              <select id={fieldId("unit")} name="unit" defaultValue={state.values.unit || tier?.unit || "minute"}>
                {UNITS.map((u) => (
                  <option key={u} value={u}>
                    {u}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <div className="field-row">
            <Field
              id={fieldId("burst")}
              label="Burst (optional)"
              name="burst"
              type="number"
              min={1}
              defaultValue={state.values.burst ?? tier?.burst ?? ""}
              error={state.fieldErrors.burst}
            />
            <Field
              id={fieldId("quota")}
              label="Monthly quota (optional)"
              name="quotaPerMonth"
              type="number"
              min={1}
              defaultValue={state.values.quotaPerMonth ?? tier?.quotaPerMonth ?? ""}
              error={state.fieldErrors.quotaPerMonth}
            />
          </div>
          <div className="field field-check">
            <input
              id={fieldId("stop")}
              name="stopOnQuota"
              type="checkbox"
              defaultChecked={tier ? tier.stopOnQuota : true}
            />
            <label htmlFor={fieldId("stop")}>Refuse traffic past the quota (otherwise it is billed as overage)</label>
          </div>
          <Field
            id={fieldId("description")}
            label="Description (optional)"
            name="description"
            defaultValue={state.values.description ?? tier?.description ?? ""}
            error={state.fieldErrors.description}
          />
          <div>
            <SubmitButton pendingLabel="Saving…" className="btn btn-primary">
              {tier ? "Save tier" : "Create tier"}
            </SubmitButton>
          </div>
        </>
      )}
    </ActionForm>
  );
}
