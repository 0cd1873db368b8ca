import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { consoleEnv } from "@/lib/env";
import { getSession } from "@/lib/session";
import { SignupForm } from "../_components/signup-form";

export const metadata: Metadata = { title: "Create an organisation" };

export default async function SignupPage() {
  const session = await getSession();
  if (session) {
    redirect("/apis");
  }
  return (
    <>
      <div className="auth-card-head">
        <h1>Create your organisation</h1>
        <p>One organisation is one tenant: its own APIs, gateways and users. You become its first administrator.</p>
      </div>
      <SignupForm gatewayUrl={consoleEnv().gatewayUrl} />
      <p className="auth-switch">
        Already have an organisation? <Link href="/login">Sign in</Link>
      </p>
    </>
  );
}
