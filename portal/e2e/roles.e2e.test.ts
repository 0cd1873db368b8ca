import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signupTenant } from "../../control-plane/src/test/harness.js";
import { type ConsoleStack, startConsoleStack } from "./stack.js";

const portalDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The id Next gave a Server Action in the build, found by file and export name. */
function actionId(file: string, name: string): string {
  const manifest = JSON.parse(
    readFileSync(path.join(portalDir, ".next/server/server-reference-manifest.json"), "utf8"),
  ) as { node: Record<string, { filename: string; exportedName: string }> };
  const found = Object.entries(manifest.node).find(([, a]) => a.filename.endsWith(file) && a.exportedName === name);
  if (!found) {
    throw new Error(`no Server Action ${name} in ${file}`);
  }
  return found[0];
}

/**
 * Roles on the server, not only in the UI: pages of an area a role does not open answer with
 * a redirect to a direct request, and their Server Actions refuse it without doing anything.
 */
describe("console: roles", () => {
  let stack: ConsoleStack;
  let admin: Awaited<ReturnType<typeof signupTenant>>;
  const tokens: Record<"developer" | "publisher", string> = { developer: "", publisher: "" };
  let url: (p: string) => string;

  /** A direct request with a session cookie, the redirect not followed. */
  const get = (token: string, p: string) =>
    fetch(url(p), { headers: { cookie: `portico_session=${token}` }, redirect: "manual" });

  /** A Server Action called as the browser calls it: the form data after the previous state. */
  function postAction(token: string, page: string, id: string, fields: Record<string, string>) {
    const body = new FormData();
    for (const [k, v] of Object.entries(fields)) {
      body.set(`_1_${k}`, v);
    }
    // As React encodes a reply: the form fields under `_<ref>_`, then the arguments, which refer to
    // the form as `$K<ref>` and are read once its fields have arrived.
    body.set(
      "0",
      JSON.stringify([{ problem: null, fieldErrors: {}, otherErrors: [], values: {}, created: null }, "$K1"]),
    );
    return fetch(url(page), {
      method: "POST",
      headers: { cookie: `portico_session=${token}`, "next-action": id, accept: "text/x-component" },
      body,
      redirect: "manual",
    });
  }

  const invitationEmails = async () =>
    ((await stack.t.api.call("GET", "/api/v1/invitations", { token: admin.token })).body as { email: string }[]).map(
      (i) => i.email,
    );

  beforeAll(async () => {
    stack = await startConsoleStack("roles-e2e");
    url = (p) => stack.consoleUrl + p;
    admin = await signupTenant(stack.t.api);
    for (const role of ["developer", "publisher"] as const) {
      const invitation = await stack.t.api.call("POST", "/api/v1/invitations", {
        token: admin.token,
        body: { email: `${role}@example.com`, role },
      });
      const accepted = await stack.t.api.call("POST", "/api/v1/invitations/accept", {
        body: { tenant: admin.slug, token: invitation.body.token, password: "correct horse battery" },
      });
      expect(accepted.status).toBe(201);
      tokens[role] = accepted.body.accessToken;
    }
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("opens every area to an admin", async () => {
    for (const p of ["/apis", "/analytics", "/admin/users", "/admin/audit", "/admin/gateways"]) {
      expect([p, (await get(admin.token, p)).status]).toEqual([p, 200]);
    }
  });

  it("sends a developer from publisher, admin and analytics pages to the developer portal", async () => {
    for (const p of [
      "/apis",
      "/analytics",
      "/admin",
      "/admin/users",
      "/admin/invitations",
      "/admin/audit",
      "/admin/webhooks",
    ]) {
      const res = await get(tokens.developer, p);
      expect([p, res.status, res.headers.get("location")]).toEqual([p, 307, `/portal/${admin.slug}`]);
      expect(await res.text()).not.toContain("admin@");
    }
  });

  it("refuses admin pages to a publisher, and opens publishing and analytics", async () => {
    for (const p of ["/admin", "/admin/users", "/admin/environments", "/admin/key-managers"]) {
      const res = await get(tokens.publisher, p);
      expect([p, res.status, res.headers.get("location")]).toEqual([p, 307, "/forbidden?area=admin"]);
    }
    expect((await get(tokens.publisher, "/apis")).status).toBe(200);
    expect((await get(tokens.publisher, "/analytics")).status).toBe(200);
  });

  it("runs an admin's Server Action (the call is built as the browser builds it)", async () => {
    const id = actionId("app/(console)/admin/actions.ts", "inviteAction");
    const res = await postAction(admin.token, "/admin/invitations", id, {
      email: "by-admin@example.com",
      role: "creator",
    });
    expect(res.status).toBe(200);
    expect(await invitationEmails()).toContain("by-admin@example.com");
  });

  it("refuses admin Server Actions to a developer and a publisher, doing nothing", async () => {
    const invite = actionId("app/(console)/admin/actions.ts", "inviteAction");
    const changeRole = actionId("app/(console)/admin/actions.ts", "changeRoleAction");
    const users = (await stack.t.api.call("GET", "/api/v1/users", { token: admin.token })).body as {
      id: string;
      role: string;
    }[];
    const adminUser = users.find((u) => u.role === "admin");
    for (const [role, token] of Object.entries(tokens)) {
      const res = await postAction(token, "/admin/invitations", invite, {
        email: `by-${role}@example.com`,
        role: "admin",
      });
      expect(res.headers.get("x-action-redirect") ?? res.headers.get("location")).toMatch(
        role === "developer" ? `/portal/${admin.slug}` : "/forbidden?area=admin",
      );
      const demote = await postAction(token, "/admin/users", changeRole, {
        id: adminUser?.id ?? "",
        role: "developer",
      });
      expect(demote.headers.get("x-action-redirect") ?? demote.headers.get("location")).toBeTruthy();
    }
    const emails = await invitationEmails();
    expect(emails).not.toContain("by-developer@example.com");
    expect(emails).not.toContain("by-publisher@example.com");
    const after = (await stack.t.api.call("GET", "/api/v1/users", { token: admin.token })).body as { role: string }[];
    expect(after.filter((u) => u.role === "admin")).toHaveLength(1);
  });
});
