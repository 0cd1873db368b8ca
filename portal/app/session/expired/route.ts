import { redirect } from "next/navigation";
import { endSession } from "@/lib/session";

/**
 * Landing spot when the control plane refuses the console token (expired or revoked): clears
 * the stale cookie, which a page cannot do while rendering, then asks for a new sign-in.
 */
export const dynamic = "force-dynamic";

export async function GET(): Promise<never> {
  await endSession();
  redirect("/login?reason=expired");
}
