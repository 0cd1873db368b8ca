"use client";

import { useId, useState } from "react";

/** The part of JSON Schema (draft 2020-12, as `z.toJSONSchema` writes it) the form renders. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  items?: JsonSchema;
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  [other: string]: unknown;
}

type Value = Record<string, unknown>;

/**
 * A form generated from a JSON Schema: text, number, checkbox, select and list fields, with
 * nested objects as fieldsets. A schema with anything else (unions, maps, arrays of objects)
 * gets a JSON text area instead, so every config stays editable. The value travels as JSON in
 * a hidden input named `name`; the server validates it with the zod schema.
 */
export function JsonSchemaForm({ schema, name, initial }: { schema: JsonSchema; name: string; initial?: Value }) {
  const [value, setValue] = useState<Value>(initial ?? {});
  const [raw, setRaw] = useState(() => JSON.stringify(initial ?? {}, null, 2));
  const id = useId();

  if (!renderable(schema)) {
    return (
      <div className="field">
        <label htmlFor={`${id}-json`}>Configuration (JSON)</label>
        <textarea
          id={`${id}-json`}
          name={name}
          className="json-area"
          rows={8}
          spellCheck={false}
          value={raw}
          onChange={(e) => setRaw(e.target.value)}
          aria-describedby={`${id}-json-hint`}
        />
        <p id={`${id}-json-hint`} className="field-hint">
          This policy&apos;s settings are too rich for a form; the gateway&apos;s schema checks them on save.
        </p>
      </div>
    );
  }
  return (
    <>
      <input type="hidden" name={name} value={JSON.stringify(prune(value))} />
      <ObjectFields schema={schema} value={value} onChange={setValue} idBase={id} />
    </>
  );
}

function ObjectFields({
  schema,
  value,
  onChange,
  idBase,
}: {
  schema: JsonSchema;
  value: Value;
  onChange: (v: Value) => void;
  idBase: string;
}) {
  const entries = Object.entries(schema.properties ?? {});
  if (entries.length === 0) {
    return <p className="field-hint">This policy has no settings.</p>;
  }
  return (
    <div className="schema-fields">
      {entries.map(([key, prop]) => (
        <PropertyField
          key={key}
          label={key}
          schema={prop}
          required={schema.required?.includes(key) ?? false}
          value={value[key]}
          onChange={(v) => onChange({ ...value, [key]: v })}
          id={`${idBase}-${key}`}
        />
      ))}
    </div>
  );
}

function PropertyField({
  label,
  schema,
  required,
  value,
  onChange,
  id,
}: {
  label: string;
  schema: JsonSchema;
  required: boolean;
  value: unknown;
  onChange: (v: unknown) => void;
  id: string;
}) {
  const hintId = schema.description ? `${id}-hint` : undefined;
  const hint = schema.description ? (
    <p id={hintId} className="field-hint">
      {schema.description}
    </p>
  ) : null;
  const text = `${humanise(label)}${required ? "" : " (optional)"}`;
  const kind = kindOf(schema);

  if (kind === "object") {
    return (
      <fieldset className="schema-group">
        <legend>{text}</legend>
        {hint}
        <ObjectFields schema={schema} value={(value as Value | undefined) ?? {}} onChange={onChange} idBase={id} />
      </fieldset>
    );
  }
  if (kind === "boolean") {
    const checked = typeof value === "boolean" ? value : schema.default === true;
    return (
      <div className="field field-check">
        <input
          id={id}
          type="checkbox"
          checked={checked}
          onChange={(e) => onChange(e.target.checked)}
          aria-describedby={hintId}
        />
        <label htmlFor={id}>{humanise(label)}</label>
        {hint}
      </div>
    );
  }
  if (kind === "enum") {
    const options = (schema.enum ?? []).map(String);
    return (
      <div className="field">
        <label htmlFor={id}>{text}</label>
        <select
          id={id}
          value={typeof value === "string" ? value : ""}
          onChange={(e) => onChange(e.target.value || undefined)}
          aria-describedby={hintId}
        >
          <option value="">{schema.default !== undefined ? `Default (${String(schema.default)})` : "Choose…"}</option>
          {options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
        {hint}
      </div>
    );
  }
  if (kind === "list") {
    return (
      <div className="field">
        <label htmlFor={id}>{text}</label>
        <textarea
          id={id}
          rows={3}
          value={Array.isArray(value) ? value.join("\n") : ""}
          onChange={(e) => {
            const items = e.target.value.split("\n");
            onChange(items.some((s) => s.trim()) ? items : undefined);
          }}
          aria-describedby={[hintId, `${id}-each`].filter(Boolean).join(" ")}
          spellCheck={false}
        />
        <p id={`${id}-each`} className="field-hint">
          One per line.
          {Array.isArray(schema.default) && schema.default.length ? ` Default: ${schema.default.join(", ")}.` : ""}
        </p>
        {hint}
      </div>
    );
  }
  const numeric = kind === "number";
  return (
    <div className="field">
      <label htmlFor={id}>{text}</label>
      <input
        id={id}
        type={numeric ? "number" : "text"}
        inputMode={numeric ? "numeric" : undefined}
        value={value === undefined ? "" : String(value)}
        placeholder={schema.default !== undefined ? `Default: ${String(schema.default)}` : undefined}
        min={numeric ? schema.minimum : undefined}
        max={numeric ? schema.maximum : undefined}
        required={required}
        onChange={(e) => {
          const v = e.target.value;
          onChange(v === "" ? undefined : numeric ? Number(v) : v);
        }}
        aria-describedby={hintId}
      />
      {hint}
    </div>
  );
}

type Kind = "object" | "boolean" | "enum" | "list" | "number" | "string" | "complex";

function kindOf(s: JsonSchema): Kind {
  if (Array.isArray(s.enum) && s.enum.every((e) => typeof e === "string")) {
    return "enum";
  }
  switch (s.type) {
    case "object":
      return s.additionalProperties === undefined && s.properties ? "object" : "complex";
    case "boolean":
      return "boolean";
    case "integer":
    case "number":
      return "number";
    case "string":
      return "string";
    case "array":
      return s.items && (s.items.type === "string" || kindOf(s.items) === "enum") ? "list" : "complex";
    default:
      return "complex";
  }
}

/** True when every property, at any depth, is one of the kinds the form draws. */
function renderable(s: JsonSchema): boolean {
  return (
    kindOf(s) === "object" &&
    Object.values(s.properties ?? {}).every((p) => (kindOf(p) === "object" ? renderable(p) : kindOf(p) !== "complex"))
  );
}

/** Drops unset fields and blank list lines, so the schema's defaults apply. */
function prune(v: Value): Value {
  const out: Value = {};
  for (const [k, x] of Object.entries(v)) {
    if (Array.isArray(x)) {
      const items = x.map((s) => String(s).trim()).filter(Boolean);
      if (items.length) {
        out[k] = items;
      }
    } else if (x && typeof x === "object") {
      const inner = prune(x as Value);
      if (Object.keys(inner).length) {
        out[k] = inner;
      }
    } else if (x !== undefined && !(typeof x === "number" && Number.isNaN(x))) {
      out[k] = x;
    }
  }
  return out;
}

/** `windowMs` → "Window ms"; `allowOrigins` → "Allow origins". */
function humanise(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
