import type { Role } from "@/lib/cp-admin";

/** The roles a member can hold, with what each opens, in the order the forms list them. */
export const ROLE_OPTIONS: readonly { value: Role; label: string }[] = [
  { value: "admin", label: "Admin" },
  { value: "publisher", label: "Publisher" },
  { value: "creator", label: "Creator" },
  { value: "developer", label: "Developer" },
];
