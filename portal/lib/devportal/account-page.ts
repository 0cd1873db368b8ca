import "server-only";

import { redirect } from "next/navigation";
import { portalInfo } from "./client";
import { portalSession } from "./session";

export type AccountPageProps = {
  params: Promise<{ tenant: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

/** What the sign-in and register pages need; someone already signed in goes to the catalog. */
export async function accountPage({ params, searchParams }: AccountPageProps) {
  const { tenant } = await params;
  const { next } = await searchParams;
  const base = `/portal/${tenant}`;
  if (await portalSession(tenant)) {
    redirect(base);
  }
  const info = await portalInfo(tenant);
  return {
    tenant,
    base,
    next: typeof next === "string" ? next : "",
    name: info.ok ? info.value.tenant.name : tenant,
    openRegistration: info.ok && info.value.openRegistration,
  };
}
