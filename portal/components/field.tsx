import type { InputHTMLAttributes, ReactNode } from "react";

/** What every labelled control of a form has besides the control itself. */
export interface FieldFrameProps {
  /** Visible label; every control has one. */
  label: string;
  /** The request-body path the value fills, e.g. `tenant.slug`. */
  name: string;
  hint?: ReactNode;
  error?: string | undefined;
  id?: string | undefined;
}

/** The attributes that tie a control to its label, hint and error. */
export interface ControlWiring {
  id: string;
  "aria-invalid": true | undefined;
  "aria-describedby": string | undefined;
}

/**
 * A label, the control `children` renders with the wiring it is given, and the control's error
 * and hint, described for assistive technology.
 */
export function FieldFrame({
  label,
  name,
  hint,
  error,
  id,
  children,
}: FieldFrameProps & { children: (wiring: ControlWiring) => ReactNode }) {
  const controlId = id ?? `field-${name.replace(/[^a-zA-Z0-9_-]/g, "-")}`;
  const hintId = hint ? `${controlId}-hint` : undefined;
  const errorId = error ? `${controlId}-error` : undefined;
  return (
    <div className="field">
      <label htmlFor={controlId}>{label}</label>
      {children({
        id: controlId,
        "aria-invalid": error ? true : undefined,
        "aria-describedby": [errorId, hintId].filter(Boolean).join(" ") || undefined,
      })}
      {error ? (
        <p id={errorId} className="field-error">
          {error}
        </p>
      ) : null}
      {hint ? (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

type FieldProps = FieldFrameProps & Omit<InputHTMLAttributes<HTMLInputElement>, "name" | "id">;

/** A labelled input with its hint and error wired to it for assistive technology. */
export function Field({ label, name, hint, error, id, ...input }: FieldProps) {
  return (
    <FieldFrame label={label} name={name} hint={hint} error={error} id={id}>
      {(wiring) => <input {...wiring} name={name} {...input} />}
    </FieldFrame>
  );
}
