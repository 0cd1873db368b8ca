import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { AccountForm } from "@/components/devportal/account-forms";
import { portalInfo } from "@/lib/devportal/client";
import { portalSession } from "@/lib/devportal/session";
import { portalLoginAction } from "../actions";

export const metadata: Metadata = { title: "Sign in" };

type Props = {
  params: Promise<{ tenant: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

export default async function PortalLoginPage({ params, searchParams }: Props) {
  const { tenant } = await params;
  const { next } = await searchParams;
  const base = `/portal/${tenant}`;
  if (await portalSession(tenant)) {
    redirect(base);
  }
  const info = await portalInfo(tenant);
  const name = info.ok ? info.value.tenant.name : tenant;
  const nextPath = typeof next === "string" ? next : "";
  return (
    <div className="card dp-account">
      <h1>Sign in</h1>
      <p className="dp-muted">Sign in to the {name} developer portal.</p>
      <AccountForm mode="login" tenant={tenant} next={nextPath} action={portalLoginAction} />
      {info.ok && info.value.openRegistration ? (
        <p className="dp-account-switch">
          New here?{" "}
          <Link href={`${base}/register${nextPath ? `?next=${encodeURIComponent(nextPath)}` : ""}`}>
            Create a developer account
          </Link>
        </p>
      ) : null}
    </div>
  );
}
