"use server";

import { requireArea } from "@/lib/access";
import { outcome } from "@/lib/action-outcome";
import { decideSubscription } from "@/lib/cp-publisher";
import { type FormState, field } from "@/lib/forms";

/** Approves or rejects one pending subscription, as the pressed button says. */
export async function decideSubscriptionAction(_prev: FormState, form: FormData): Promise<FormState> {
  const { session } = await requireArea("publisher");
  const decision = field(form, "decision") === "reject" ? "reject" : "approve";
  const result = await decideSubscription(session.token, field(form, "id"), decision);
  return outcome(result, {
    notice: decision === "approve" ? "Subscription approved." : "Subscription rejected.",
    path: "/subscriptions",
  });
}
