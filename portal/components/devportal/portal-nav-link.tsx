"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import type { ReactNode } from "react";

/** A portal top-bar link, current on its own page and on the sections listed in `also`. */
export function PortalNavLink({ href, also = [], children }: { href: string; also?: string[]; children: ReactNode }) {
  const pathname = usePathname();
  const current = pathname === href || also.some((p) => pathname === p || pathname.startsWith(`${p}/`));
  return (
    <Link href={href} aria-current={current ? "page" : undefined}>
      {children}
    </Link>
  );
}
