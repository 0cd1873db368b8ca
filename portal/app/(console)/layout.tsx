import Link from "next/link";
import type { ReactNode } from "react";
import { Brand } from "@/components/logo";
import { NavLink } from "@/components/nav-link";
import { ThemeToggle } from "@/components/theme-toggle";
import { requireMember } from "@/lib/access";
import { storedTheme } from "@/lib/theme-cookie";
import { signOutAction } from "./actions";
import "./publisher.css";

/** The console's sections, each shown only to roles whose area opens it. */
const SECTIONS = [
  { href: "/apis", label: "APIs", area: "publisher" },
  { href: "/subscriptions", label: "Subscriptions", area: "publisher" },
  { href: "/tiers", label: "Tiers", area: "publisher" },
  { href: "/analytics", label: "Analytics", area: "analytics" },
  { href: "/admin", label: "Admin", area: "admin" },
] as const;

/**
 * The console chrome. It needs the session for the tenant slug; each page still checks the
 * session itself, since a layout is not re-rendered on every navigation.
 */
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const [{ session, member }, theme] = await Promise.all([requireMember(), storedTheme()]);
  const sections = SECTIONS.filter((s) => member.areas.includes(s.area));
  return (
    <>
      <header className="topbar">
        <div className="container topbar-inner">
          <Link href="/apis" className="brand" aria-label="Portico home">
            <Brand />
          </Link>
          <nav className="topbar-nav" aria-label="Console">
            {sections.map((s) => (
              <NavLink key={s.href} href={s.href}>
                {s.label}
              </NavLink>
            ))}
          </nav>
          <div className="topbar-end">
            <ThemeToggle initial={theme} />
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
