import type { SubscriptionConfig } from "@portico/shared/policies";
import type { z } from "zod";
import { PASS, type PolicyDeps, type PolicyHandler, reject } from "../types.js";

export const subscriptionKey = (applicationId: string, apiId: string) => `${applicationId}\n${apiId}`;

const NOT_SUBSCRIBED = reject("not-subscribed");

/** Only applications with an ACTIVE subscription to the API pass; its tier limits are kept for rate-limit. */
export function createSubscriptionHandler(
  _config: z.infer<typeof SubscriptionConfig>,
  deps: PolicyDeps,
): PolicyHandler {
  const { apiId } = deps;
  const subscriptions = deps.tenant.subscriptions;
  return {
    onRequest(ex) {
      if (ex.applicationId === null) {
        return NOT_SUBSCRIBED;
      }
      const subscription = subscriptions.get(subscriptionKey(ex.applicationId, apiId));
      if (subscription === undefined) {
        return NOT_SUBSCRIBED;
      }
      ex.subscription = subscription;
      return PASS;
    },
  };
}
