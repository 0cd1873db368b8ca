import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { getSession, rememberedTenant } from "@/lib/session";
import { LoginForm } from "../_components/login-form";

export const metadata: Metadata = { title: "Sign in" };

const NOTICES: Record<string, string> = {
  expired: "Your session has ended. Sign in again to continue.",
  "signed-out": "You are signed out.",
};

export default async function LoginPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const session = await getSession();
  if (session) {
    redirect("/apis");
  }
  const { reason } = await searchParams;
  const notice = typeof reason === "string" ? NOTICES[reason] : undefined;

  return (
    <>
      <div className="auth-card-head">
        <h1>Sign in</h1>
        <p>Open the console of your organisation.</p>
      </div>
      {notice ? (
        <p className="alert alert-info" role="status">
          {notice}
        </p>
      ) : null}
      <LoginForm defaultTenant={await rememberedTenant()} />
      <p className="auth-switch">
        New to Portico? <Link href="/signup">Create an organisation</Link>
      </p>
    </>
  );
}
