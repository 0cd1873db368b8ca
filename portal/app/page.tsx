import { redirect } from "next/navigation";
import { getSession } from "@/lib/session";

/** The console's entry: straight to the APIs when signed in, else to sign-in. */
export default async function Home() {
  const session = await getSession();
  redirect(session ? "/apis" : "/login");
}
