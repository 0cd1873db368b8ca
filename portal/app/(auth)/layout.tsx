import type { ReactNode } from "react";
import { Brand } from "@/components/logo";

/** Sign-in and sign-up: the form beside a short description of the product. */
export default function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <div className="auth">
      <aside className="auth-aside" aria-label="About Portico">
        <span className="brand">
          <Brand />
        </span>
        <div className="auth-pitch">
          <h2>Every API behind one front door.</h2>
          <p>
            Portico publishes your services through gateways you control, with keys, tokens, rate limits and analytics
            for each tenant.
          </p>
          <ul className="auth-points">
            <li>Design and version APIs, then deploy signed revisions to any environment.</li>
            <li>Gateways validate tokens and keys locally and keep serving when offline.</li>
            <li>See traffic, errors and latency per API and per consumer.</li>
          </ul>
        </div>
        <p className="auth-foot">Portico tenant console</p>
      </aside>
      <main id="main" className="auth-main">
        <div className="auth-card">
          <span className="brand auth-mobile-brand">
            <Brand />
          </span>
          {children}
        </div>
      </main>
    </div>
  );
}
