import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, openPage, seriousA11yViolations, shoot, WIDE } from "./browser.js";
import { type ConsoleStack, startConsoleStack } from "./stack.js";

/**
 * Sign-up, sign-in, the API list, errors and sign-out in a real browser against a real
 * control plane and gateway. The tests run in order and share one signed-in browser context.
 */
describe("console: sign-up, sign-in and the API list", () => {
  let stack: ConsoleStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  const slug = `smoke-${Date.now().toString(36)}`;
  const email = "ada@example.com";
  const password = "correct horse battery";
  let url: (p: string) => string;

  beforeAll(async () => {
    stack = await startConsoleStack("console-smoke");
    url = (p) => stack.consoleUrl + p;
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: WIDE });
    ({ page, errors } = await openPage(context));
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it("serves healthz and readyz with 200 {status:ok}", async () => {
    for (const p of ["/healthz", "/readyz"]) {
      const res = await fetch(url(p));
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: "ok" });
    }
  });

  it("sends / and /apis without a session to /login", async () => {
    for (const p of ["/", "/apis"]) {
      await page.goto(url(p));
      expect(new URL(page.url()).pathname).toBe("/login");
    }
    await shoot(page, "login");
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it("signs up a tenant and opens the empty API list", async () => {
    await page.goto(url("/signup"));
    await shoot(page, "signup");
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByLabel("Organisation name").fill("Smoke Test Café");
    expect(await page.getByLabel("Slug").inputValue()).toBe("smoke-test-cafe");
    await page.getByLabel("Slug").fill(slug);
    await page.getByLabel("Admin email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Create organisation" }).click();
    await page.waitForURL(url("/apis"));
    await page.getByRole("heading", { name: "No APIs yet" }).waitFor();
    expect(await page.locator(".tenant-chip-slug").textContent()).toBe(slug);
    await shoot(page, "apis-empty");
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it("keeps the session in an httpOnly SameSite cookie that scripts cannot read", async () => {
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === "portico_session");
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Lax" });
    expect(await page.evaluate(() => document.cookie)).not.toContain("portico_session");
  });

  it("lists APIs created through the REST API with their status and gateway URL", async () => {
    const token = (await context.cookies()).find((c) => c.name === "portico_session")?.value ?? "";
    const specs = [
      { name: "Payments", context: "payments", version: "v2", upstream: { url: stack.upstream.url } },
      { name: "Pet Store", context: "pets", version: "v1", upstream: { url: stack.upstream.url } },
      { name: "Weather", context: "weather/forecast", version: "2024-06", upstream: { url: stack.upstream.url } },
    ];
    const ids: string[] = [];
    for (const spec of specs) {
      const res = await stack.t.api.call("POST", "/api/v1/apis", { token, body: spec });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
    await stack.t.api.call("POST", `/api/v1/apis/${ids[0]}/lifecycle`, { token, body: { action: "publish" } });
    await stack.t.api.call("POST", `/api/v1/apis/${ids[2]}/lifecycle`, { token, body: { action: "publish" } });
    await stack.t.api.call("POST", `/api/v1/apis/${ids[2]}/lifecycle`, { token, body: { action: "deprecate" } });

    await page.goto(url("/apis"));
    expect(await page.locator(".api-card").count()).toBe(3);
    const text = (await page.locator(".api-list").textContent()) ?? "";
    expect(text).toContain("/weather/forecast/2024-06");
    expect(text).toContain(`${stack.gateway.url}/t/${slug}/pets/v1/`);
    await shoot(page, "apis");
    expect(await seriousA11yViolations(page)).toEqual([]);

    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: stack.consoleUrl });
    await page.getByRole("button", { name: "Copy gateway URL of Pet Store v1" }).click();
    await page.getByRole("button", { name: "Copied gateway URL of Pet Store v1" }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${stack.gateway.url}/t/${slug}/pets/v1/`);
  });

  it("lets an invited publisher join from the invitation link, with the invited role", async () => {
    const token = (await context.cookies()).find((c) => c.name === "portico_session")?.value ?? "";
    const inv = await stack.t.api.call("POST", "/api/v1/invitations", {
      token,
      body: { email: "grace@example.com", role: "publisher" },
    });
    expect(inv.status).toBe(201);
    const invited = await browser.newContext({ viewport: WIDE });
    const p = await invited.newPage();
    await p.goto(url(`/invitation?tenant=${slug}&token=${inv.body.token}`));
    await p.getByRole("heading", { name: `Join ${slug}` }).waitFor();
    await shoot(p, "invitation-console");
    expect(await seriousA11yViolations(p)).toEqual([]);
    await p.getByLabel("Choose a password").fill("grace's own password");
    await p.getByRole("button", { name: "Join the organisation" }).click();
    await p.waitForURL(url("/apis"));
    // A client-side navigation: the URL changes while the loading state still shows.
    await p.locator(".api-card").nth(2).waitFor();
    expect(await p.locator(".api-card").count()).toBe(3);
    await invited.close();

    const again = await browser.newContext({ viewport: WIDE });
    const q = await again.newPage();
    await q.goto(url(`/invitation?tenant=${slug}&token=${inv.body.token}`));
    await q.getByLabel("Choose a password").fill("another password");
    await q.getByRole("button", { name: "Join the organisation" }).click();
    await q.locator(".alert-error").waitFor();
    expect(new URL(q.url()).pathname).toBe("/invitation");
    await again.close();
  });

  it("signs out, and /apis asks for sign-in again", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/login\?reason=signed-out$/);
    await page.getByText("You are signed out.").waitFor();
    await page.goto(url("/apis"));
    expect(new URL(page.url()).pathname).toBe("/login");
  });

  it("remembers the tenant at sign-in, shows a bad password, then signs in", async () => {
    await page.goto(url("/login"));
    expect(await page.getByLabel("Organisation").inputValue()).toBe(slug);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("wrong password");
    await page.getByRole("button", { name: "Sign in" }).click();
    // (not getByRole("alert"): Next's route announcer has that role too)
    await page.locator(".alert-error").waitFor();
    expect(await page.getByLabel("Email").inputValue()).toBe(email);
    await shoot(page, "login-error");
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(url("/apis"));
    await page.goto(url("/"));
    expect(new URL(page.url()).pathname).toBe("/apis");
  });

  it("signs in without JavaScript (progressive enhancement)", async () => {
    const noJs = await browser.newContext({ viewport: WIDE, javaScriptEnabled: false });
    const p = await noJs.newPage();
    await p.goto(url("/login"));
    await p.getByLabel("Organisation").fill(slug);
    await p.getByLabel("Email").fill(email);
    await p.getByLabel("Password").fill(password);
    await p.getByRole("button", { name: "Sign in" }).click();
    await p.waitForURL(url("/apis"));
    expect(await p.locator(".api-card").count()).toBe(3);
    await noJs.close();
  });

  it("shows a taken slug at its field, with focus on it", async () => {
    const other = await browser.newContext({ viewport: WIDE });
    const p = await other.newPage();
    await p.goto(url("/signup"));
    await p.getByLabel("Organisation name").fill("Someone Else");
    await p.getByLabel("Slug").fill(slug);
    await p.getByLabel("Admin email").fill("eve@example.com");
    await p.getByLabel("Password").fill("another password");
    await p.getByRole("button", { name: "Create organisation" }).click();
    await p.locator(".alert-error").waitFor();
    expect(await p.getByLabel("Slug").getAttribute("aria-invalid")).toBe("true");
    expect(await p.evaluate(() => document.activeElement?.getAttribute("name"))).toBe("tenant.slug");
    await shoot(p, "signup-error");
    await other.close();
  });

  it("leads a session the control plane refuses back to sign-in and drops its cookie", async () => {
    const stale = await browser.newContext({ viewport: WIDE });
    await stale.addCookies([{ name: "portico_session", value: "not-a-valid-token", url: stack.consoleUrl }]);
    const p = await stale.newPage();
    await p.goto(url("/apis"));
    await p.waitForURL(/\/login\?reason=expired$/, { timeout: 10_000 });
    await p.getByText("Your session has ended").waitFor();
    expect((await stale.cookies()).find((c) => c.name === "portico_session")).toBeUndefined();
    await stale.close();
  });

  it("logged no browser errors along the way", () => {
    expect(errors).toEqual([]);
  });
});
