"use server";

import { CreateTierRequest, TierKind, UpdateTierRequest } from "@portico/shared";
import { requireArea } from "@/lib/access";
import { invalid, outcome } from "@/lib/action-outcome";
import { createTier, updateTier } from "@/lib/cp-publisher";
import { type FormState, field, validate } from "@/lib/forms";

const LIMIT_FIELDS = ["requests", "unit", "burst", "quotaPerMonth", "description"] as const;
const CREATE_FIELDS = ["name", ...LIMIT_FIELDS] as const;

/** Adds a tier of the kind the page lists. Admins only: the control plane refuses others (403). */
export async function createTierAction(_prev: FormState, form: FormData): Promise<FormState> {
  const { session } = await requireArea("publisher");
  const values = Object.fromEntries(CREATE_FIELDS.map((f) => [f, field(form, f).trim()]));
  const kind = TierKind.catch("subscription").parse(field(form, "kind"));
  const input = validate(CreateTierRequest, { name: values.name, kind, ...limits(form) });
  if (!input.ok) {
    return invalid(input.errors, CREATE_FIELDS, values);
  }
  const result = await createTier(session.token, input.value);
  return outcome(result, {
    notice: `Tier ${values.name} created.`,
    path: "/tiers",
    fields: CREATE_FIELDS,
    values,
  });
}

/** Changes a tier's limits; gateways apply them with the next bundle. */
export async function updateTierAction(
  name: string,
  kind: TierKind,
  _prev: FormState,
  form: FormData,
): Promise<FormState> {
  const { session } = await requireArea("publisher");
  const values = Object.fromEntries(LIMIT_FIELDS.map((f) => [f, field(form, f).trim()]));
  const input = validate(UpdateTierRequest, limits(form));
  if (!input.ok) {
    return invalid(input.errors, LIMIT_FIELDS, values);
  }
  const result = await updateTier(session.token, name, kind, input.value);
  return outcome(result, { notice: `Tier ${name} saved.`, path: "/tiers", fields: LIMIT_FIELDS, values });
}

/** Empty number fields mean "none" (null), which the contract spells for each limit. */
function limits(form: FormData) {
  const num = (name: string) => {
    const v = field(form, name).trim();
    return v === "" ? null : Number(v);
  };
  const description = field(form, "description").trim();
  return {
    requests: num("requests"),
    unit: field(form, "unit") || "minute",
    burst: num("burst"),
    quotaPerMonth: num("quotaPerMonth"),
    stopOnQuota: form.get("stopOnQuota") === "on",
    description: description || null,
  };
}
