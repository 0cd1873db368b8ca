"use server";

import { redirect } from "next/navigation";
import { endSession } from "@/lib/session";

/** Forgets the console token on this browser. */
export async function signOutAction(): Promise<void> {
  await endSession();
  redirect("/login?reason=signed-out");
}
