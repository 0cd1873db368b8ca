import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { PortalNavLink } from "@/components/devportal/portal-nav-link";
import { Brand } from "@/components/logo";
import { ThemeToggle } from "@/components/theme-toggle";
import { portalInfo } from "@/lib/devportal/client";
import { portalSession } from "@/lib/devportal/session";
import { storedTheme } from "@/lib/theme-cookie";
import "../../devportal.css";
import { portalSignOutAction } from "./actions";

type Params = { params: Promise<{ tenant: string }> };

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const { tenant } = await params;
  const info = await portalInfo(tenant);
  const name = info.ok ? info.value.tenant.name : tenant;
  return { title: { default: `${name} developer portal`, template: `%s · ${name} developers` } };
}

/** The developer portal of one tenant: its own chrome, open to anonymous visitors. */
export default async function PortalLayout({ children, params }: Params & { children: ReactNode }) {
  const { tenant } = await params;
  const [info, session, theme] = await Promise.all([portalInfo(tenant), portalSession(tenant), storedTheme()]);
  if (!info.ok) {
    if (info.error.status === 404 || info.error.status === 400) {
      notFound();
    }
    throw new Error(info.error.title);
  }
  const base = `/portal/${tenant}`;
  return (
    <div className="dp">
      <header className="topbar">
        <div className="container topbar-inner dp-topbar">
          <Link href={base} className="brand dp-brand">
            <Brand />
            <span className="dp-brand-tenant">{info.value.tenant.name}</span>
          </Link>
          <nav className="topbar-nav" aria-label="Developer portal">
            <PortalNavLink href={base} also={[`${base}/apis`]}>
              APIs
            </PortalNavLink>
            {session ? <PortalNavLink href={`${base}/applications`}>Applications</PortalNavLink> : null}
          </nav>
          <div className="topbar-end">
            <ThemeToggle initial={theme} />
            {session ? (
              <form action={portalSignOutAction}>
                <input type="hidden" name="tenant" value={tenant} />
                <button type="submit" className="btn btn-ghost btn-sm">
                  Sign out
                </button>
              </form>
            ) : (
              <>
                <Link href={`${base}/login`} className="btn btn-ghost btn-sm">
                  Sign in
                </Link>
                {info.value.openRegistration ? (
                  <Link href={`${base}/register`} className="btn btn-primary btn-sm">
                    Register
                  </Link>
                ) : null}
              </>
            )}
          </div>
        </div>
      </header>
      <main id="main" className="container dp-main">
        {children}
      </main>
    </div>
  );
}
