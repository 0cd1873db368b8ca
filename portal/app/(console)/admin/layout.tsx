import type { ReactNode } from "react";
import { NavLink } from "@/components/nav-link";
import { requireArea } from "@/lib/access";
import "../data-views.css";

const PAGES = [
  { href: "/admin/users", label: "Members" },
  { href: "/admin/invitations", label: "Invitations" },
  { href: "/admin/environments", label: "Environments" },
  { href: "/admin/gateways", label: "Gateways" },
  { href: "/admin/key-managers", label: "Key managers" },
  { href: "/admin/webhooks", label: "Webhooks" },
  { href: "/admin/audit", label: "Audit log" },
] as const;

/**
 * The admin area's sub-navigation. The layout checks the area too: it renders before the
 * loading state streams, so a member without the area gets a real HTTP redirect, not a page
 * that redirects once streamed. Each page and action still checks for itself.
 */
export default async function AdminLayout({ children }: { children: ReactNode }) {
  await requireArea("admin");
  return (
    <div className="admin">
      <nav className="subnav" aria-label="Administration">
        {PAGES.map((p) => (
          <NavLink key={p.href} href={p.href}>
            {p.label}
          </NavLink>
        ))}
      </nav>
      <div className="admin-body">{children}</div>
    </div>
  );
}
