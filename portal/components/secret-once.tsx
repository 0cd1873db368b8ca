import type { ReactNode } from "react";
import { CopyButton } from "./copy-button";

/**
 * A secret the control plane hands out once (invitation token, registration token, signing
 * secret): shown with a copy button and a plain warning, and gone on the next page load.
 */
export function SecretOnce({
  title,
  value,
  label,
  children,
}: {
  title: string;
  value: string;
  label: string;
  children?: ReactNode;
}) {
  return (
    <section className="alert alert-info secret-once" aria-label={title}>
      <p className="alert-title">{title}</p>
      <p>Copy it now: it is shown only this once.</p>
      <div className="secret-once-row">
        <code className="secret-once-value">{value}</code>
        <CopyButton value={value} label={label} />
      </div>
      {children}
    </section>
  );
}
