import Link from "next/link";
import type { ReactNode } from "react";
import { Brand } from "@/components/logo";
import { NavLink } from "@/components/nav-link";
import { requireSession } from "@/lib/session";
import { signOutAction } from "./actions";

/**
 * The console chrome. It needs the session for the tenant slug; each page still checks the
 * session itself, since a layout is not re-rendered on every navigation.
 */
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const session = await requireSession();
  return (
    <>
      <header className="topbar">
        <div className="container topbar-inner">
          <Link href="/apis" className="brand" aria-label="Portico home">
            <Brand />
          </Link>
          <nav className="topbar-nav" aria-label="Console">
            <NavLink href="/apis">APIs</NavLink>
          </nav>
          <div className="topbar-end">
            {session.tenant ? (
              <span className="tenant-chip" title={`Organisation: ${session.tenant}`}>
                <span className="tenant-chip-label">Organisation</span>
                <span className="tenant-chip-slug">{session.tenant}</span>
              </span>
            ) : null}
            <form action={signOutAction}>
              <button type="submit" className="btn btn-ghost btn-sm">
                Sign out
              </button>
            </form>
          </div>
        </div>
      </header>
      <main id="main" className="container">
        {children}
      </main>
    </>
  );
}
