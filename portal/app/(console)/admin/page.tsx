import { redirect } from "next/navigation";
import { requireArea } from "@/lib/access";

export default async function AdminHome() {
  await requireArea("admin");
  redirect("/admin/users");
}
