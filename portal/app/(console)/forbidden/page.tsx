import type { Metadata } from "next";
import Link from "next/link";
import { requireMember } from "@/lib/access";

export const metadata: Metadata = { title: "Not allowed" };

const AREA_NAMES: Record<string, string> = { publisher: "publishing", admin: "administration", analytics: "analytics" };

/** Where a member lands when their role does not open a console area. */
export default async function ForbiddenPage({ searchParams }: { searchParams: Promise<{ area?: string }> }) {
  const { member } = await requireMember();
  const { area } = await searchParams;
  const name = (area && AREA_NAMES[area]) || "this part of the console";
  return (
    <div className="page">
      <div className="card problem-panel" role="alert">
        <h1>Your role does not open {name}</h1>
        <p>
          You are signed in as <strong>{member.user.email}</strong> with the <strong>{member.user.role}</strong> role.
          Ask an administrator of your organisation for another role.
        </p>
        {member.areas[0] ? (
          <Link className="btn btn-secondary" href={member.areas[0] === "publisher" ? "/apis" : `/${member.areas[0]}`}>
            Back to the console
          </Link>
        ) : null}
      </div>
    </div>
  );
}
