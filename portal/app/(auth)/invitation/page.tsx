import type { Metadata } from "next";
import Link from "next/link";
import { AcceptInvitationForm } from "../_components/accept-invitation-form";

export const metadata: Metadata = { title: "Join an organisation" };

/** Where an invitation link leads: the invitee sets a password and is signed in. */
export default async function InvitationPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { tenant, token } = await searchParams;
  const valid = typeof tenant === "string" && tenant !== "" && typeof token === "string" && token !== "";
  return (
    <>
      <div className="auth-card-head">
        <h1>Join {valid ? tenant : "an organisation"}</h1>
        <p>You were invited to the Portico console of this organisation.</p>
      </div>
      {valid ? (
        <AcceptInvitationForm tenant={tenant} token={token} />
      ) : (
        <p className="alert alert-error" role="alert">
          This link is incomplete. Open the whole link from your invitation, or ask for a new one.
        </p>
      )}
      <p className="auth-switch">
        Already a member? <Link href="/login">Sign in</Link>
      </p>
    </>
  );
}
