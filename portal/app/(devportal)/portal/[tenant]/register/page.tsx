import type { Metadata } from "next";
import Link from "next/link";
import { AccountForm } from "@/components/devportal/account-forms";
import { type AccountPageProps, accountPage } from "@/lib/devportal/account-page";
import { registerAction } from "../actions";

export const metadata: Metadata = { title: "Register" };

export default async function RegisterPage(props: AccountPageProps) {
  const { tenant, base, next, name, openRegistration } = await accountPage(props);
  return (
    <div className="card dp-account">
      <h1>Register</h1>
      {openRegistration ? (
        <>
          <p className="dp-muted">Create a developer account on the {name} portal to get API keys.</p>
          <AccountForm mode="register" tenant={tenant} next={next} action={registerAction} />
        </>
      ) : (
        <p className="alert alert-info">
          This portal does not take registrations. Ask the {name} team for an invitation.
        </p>
      )}
      <p className="dp-account-switch">
        Have an account? <Link href={`${base}/login`}>Sign in</Link>
      </p>
    </div>
  );
}
