import { redirect } from "next/navigation";

/** `/portal/{tenant}/apis` is the catalog, which lives at the portal's root. */
export default async function ApisIndex({ params }: { params: Promise<{ tenant: string }> }) {
  redirect(`/portal/${(await params).tenant}`);
}
