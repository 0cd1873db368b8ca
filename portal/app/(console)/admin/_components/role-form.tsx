"use client";

import { useActionState } from "react";
import { RowProblem } from "@/components/row-action-form";
import { SubmitButton } from "@/components/submit-button";
import type { Role } from "@/lib/cp-admin";
import { emptyFormState } from "@/lib/forms";
import { changeRoleAction } from "../actions";
import { ROLE_OPTIONS } from "./roles";

/** A member's role with a save button; the control plane refuses to demote the last admin. */
export function RoleForm({ userId, email, role }: { userId: string; email: string; role: Role }) {
  const [state, action] = useActionState(changeRoleAction, emptyFormState);
  const selectId = `role-${userId}`;
  return (
    <form action={action} className="role-form">
      <input type="hidden" name="id" value={userId} />
      <label htmlFor={selectId} className="visually-hidden">
        Role of {email}
      </label>
      <select id={selectId} name="role" className="select select-sm" defaultValue={role}>
        {ROLE_OPTIONS.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <SubmitButton className="btn btn-secondary btn-sm" pendingLabel="Saving…">
        Save<span className="visually-hidden"> role of {email}</span>
      </SubmitButton>
      <RowProblem state={state} />
    </form>
  );
}
