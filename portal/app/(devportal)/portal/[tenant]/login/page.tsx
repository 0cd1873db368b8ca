import type { Metadata } from "next";
import Link from "next/link";
import { AccountForm } from "@/components/devportal/account-forms";
import { type AccountPageProps, accountPage } from "@/lib/devportal/account-page";
import { portalLoginAction } from "../actions";

export const metadata: Metadata = { title: "Sign in" };

export default async function PortalLoginPage(props: AccountPageProps) {
  const { tenant, base, next, name, openRegistration } = await accountPage(props);
  return (
    <div className="card dp-account">
      <h1>Sign in</h1>
      <p className="dp-muted">Sign in to the {name} developer portal.</p>
      <AccountForm mode="login" tenant={tenant} next={next} action={portalLoginAction} />
      {openRegistration ? (
        <p className="dp-account-switch">
          New here?{" "}
          <Link href={`${base}/register${next ? `?next=${encodeURIComponent(next)}` : ""}`}>
            Create a developer account
          </Link>
        </p>
      ) : null}
    </div>
  );
}
