import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { AccountForm } from "@/components/devportal/account-forms";
import { portalInfo } from "@/lib/devportal/client";
import { portalSession } from "@/lib/devportal/session";
import { registerAction } from "../actions";

export const metadata: Metadata = { title: "Register" };

type Props = {
  params: Promise<{ tenant: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

export default async function RegisterPage({ params, searchParams }: Props) {
  const { tenant } = await params;
  const { next } = await searchParams;
  const base = `/portal/${tenant}`;
  if (await portalSession(tenant)) {
    redirect(base);
  }
  const info = await portalInfo(tenant);
  const name = info.ok ? info.value.tenant.name : tenant;
  return (
    <div className="card dp-account">
      <h1>Register</h1>
      {info.ok && info.value.openRegistration ? (
        <>
          <p className="dp-muted">Create a developer account on the {name} portal to get API keys.</p>
          <AccountForm
            mode="register"
            tenant={tenant}
            next={typeof next === "string" ? next : ""}
            action={registerAction}
          />
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
