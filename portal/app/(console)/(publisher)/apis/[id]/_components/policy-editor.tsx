"use client";

import type { Policy, PolicyKind } from "@portico/shared/policies";
import { useState } from "react";
import { ActionForm, type FormAction } from "@/components/action-form";
import { type JsonSchema, JsonSchemaForm } from "@/components/json-schema-form";
import { SubmitButton } from "@/components/submit-button";

interface Target {
  /** "api", or "METHOD /path" of an operation. */
  key: string;
  label: string;
  policies: Policy[];
}

interface Editing {
  target: string;
  kind: PolicyKind;
  /** Position of the policy being changed; null adds one. */
  index: number | null;
  config: Record<string, unknown>;
  enabled: boolean;
}

/**
 * The policies of the API and of each operation, and a form to add or change one. The form's
 * fields come from the policy kind's JSON Schema, generated from the gateway's zod schema.
 */
export function PolicyEditor({
  schemas,
  targets,
  save,
  remove,
}: {
  schemas: Record<PolicyKind, JsonSchema>;
  targets: Target[];
  save: FormAction;
  remove: FormAction;
}) {
  const kinds = Object.keys(schemas) as PolicyKind[];
  const [editing, setEditing] = useState<Editing>({
    target: "api",
    kind: kinds.includes("rate-limit") ? "rate-limit" : (kinds[0] as PolicyKind),
    index: null,
    config: {},
    enabled: true,
  });
  // Bumped after each save, so the generated form starts empty again.
  const [round, setRound] = useState(0);
  const attached = targets.filter((t) => t.policies.length > 0);

  return (
    <div className="policy-editor">
      {attached.length === 0 ? (
        <p className="empty-line">No policies attached.</p>
      ) : (
        <ul className="plain-list">
          {attached.flatMap((t) =>
            t.policies.map((p, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a policy's position is its identity (remove names it by index)
              <li key={`${t.key}-${i}-${p.kind}`} className="list-row policy-row">
                <span className="policy-kind">{p.kind}</span>
                <span className="muted">{t.label}</span>
                {p.enabled === false ? <span className="muted">(off)</span> : null}
                <code className="policy-config">{JSON.stringify(p.config)}</code>
                <span className="row-actions">
                  <button
                    type="button"
                    className="btn btn-ghost btn-sm"
                    onClick={() =>
                      setEditing({
                        target: t.key,
                        kind: p.kind,
                        index: i,
                        config: p.config as Record<string, unknown>,
                        enabled: p.enabled !== false,
                      })
                    }
                  >
                    Edit
                    <span className="visually-hidden">
                      {" "}
                      {p.kind} of {t.label}
                    </span>
                  </button>
                  <ActionForm action={remove} className="form-inline" label={`Remove ${p.kind} of ${t.label}`}>
                    <input type="hidden" name="target" value={t.key} />
                    <input type="hidden" name="index" value={i} />
                    <SubmitButton pendingLabel="Removing…" className="btn btn-ghost btn-sm">
                      Remove
                      <span className="visually-hidden">
                        {" "}
                        {p.kind} of {t.label}
                      </span>
                    </SubmitButton>
                  </ActionForm>
                </span>
              </li>
            )),
          )}
        </ul>
      )}

      <ActionForm
        action={save}
        className="form policy-form"
        label="Policy"
        onDone={() => {
          setEditing((e) => ({ ...e, index: null, config: {}, enabled: true }));
          setRound((r) => r + 1);
        }}
      >
        <h3 className="subhead">{editing.index === null ? "Attach a policy" : `Change ${editing.kind}`}</h3>
        <div className="field-row">
          <div className="field">
            <label htmlFor="policy-target">Applies to</label>
            <select
              id="policy-target"
              name="target"
              value={editing.target}
              disabled={editing.index !== null}
              onChange={(e) => setEditing({ ...editing, target: e.target.value })}
            >
              {targets.map((t) => (
                <option key={t.key} value={t.key}>
                  {t.label}
                </option>
              ))}
            </select>
            {editing.index !== null ? <input type="hidden" name="target" value={editing.target} /> : null}
          </div>
          <div className="field">
            <label htmlFor="policy-kind">Kind</label>
            <select
              id="policy-kind"
              name="kind"
              value={editing.kind}
              disabled={editing.index !== null}
              onChange={(e) => setEditing({ ...editing, kind: e.target.value as PolicyKind, config: {} })}
            >
              {kinds.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
            {editing.index !== null ? <input type="hidden" name="kind" value={editing.kind} /> : null}
          </div>
        </div>
        <input type="hidden" name="index" value={editing.index ?? ""} />
        <JsonSchemaForm
          key={`${editing.target}-${editing.kind}-${editing.index}-${round}`}
          schema={schemas[editing.kind]}
          name="config"
          initial={editing.config}
        />
        <div className="field field-check">
          <input
            id="policy-enabled"
            name="enabled"
            type="checkbox"
            checked={editing.enabled}
            onChange={(e) => setEditing({ ...editing, enabled: e.target.checked })}
          />
          <label htmlFor="policy-enabled">Enabled</label>
        </div>
        <div className="button-row">
          <SubmitButton pendingLabel="Saving…" className="btn btn-primary">
            {editing.index === null ? "Attach policy" : "Save policy"}
          </SubmitButton>
          {editing.index !== null ? (
            <button
              type="button"
              className="btn btn-ghost"
              onClick={() => setEditing({ ...editing, index: null, config: {}, enabled: true })}
            >
              Cancel
            </button>
          ) : null}
        </div>
      </ActionForm>
    </div>
  );
}
