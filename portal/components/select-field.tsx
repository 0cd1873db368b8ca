import type { SelectHTMLAttributes } from "react";
import { FieldFrame, type FieldFrameProps } from "./field";

type SelectFieldProps = FieldFrameProps &
  Omit<SelectHTMLAttributes<HTMLSelectElement>, "name" | "id"> & {
    options: readonly { value: string; label: string }[];
  };

/** A labelled select, wired like `Field`. */
export function SelectField({ label, name, options, hint, error, id, ...select }: SelectFieldProps) {
  return (
    <FieldFrame label={label} name={name} hint={hint} error={error} id={id}>
      {(wiring) => (
        <select {...wiring} name={name} className="select" {...select}>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </FieldFrame>
  );
}
