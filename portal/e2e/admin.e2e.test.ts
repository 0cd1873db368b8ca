import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signupTenant } from "../../control-plane/src/test/harness.js";
import { application, publishedApi, served, until } from "../../control-plane/src/test/journey.js";
import { launchBrowser, NARROW, openPage, seriousA11yViolations, shoot, WIDE } from "./browser.js";
import { type ConsoleStack, startConsoleStack } from "./stack.js";

/**
 * The admin and analytics areas as a tenant admin meets them, on a tenant with data: traffic
 * driven through the real gateway, a member invited, a webhook delivered, a key manager. Every
 * page is screenshotted (light and dark, 1280 and 375 px) and checked with axe.
 */
describe("console: admin and analytics", () => {
  let stack: ConsoleStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let admin: Awaited<ReturnType<typeof signupTenant>>;
  let webhookId: string;
  let url: (p: string) => string;
  const call = (method: string, path: string, body?: unknown) =>
    stack.t.api.call(method, path, { token: admin.token, body });

  /** Screenshots and axe on the page as it is now, and no sideways scrolling at 375 px. */
  async function check(name: string) {
    await shoot(page, name);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.setViewportSize(NARROW);
    // Charts follow their container's size a frame or two after the resize.
    await page
      .waitForFunction(() => document.documentElement.scrollWidth <= window.innerWidth, null, { timeout: 3000 })
      .catch(() => undefined);
    expect([name, await page.evaluate(() => document.documentElement.scrollWidth)]).toEqual([name, NARROW.width]);
    await page.setViewportSize(WIDE);
  }

  beforeAll(async () => {
    stack = await startConsoleStack("admin-e2e");
    url = (p) => stack.consoleUrl + p;
    admin = await signupTenant(stack.t.api);

    // Traffic: 30 calls that pass and 6 with a wrong key, so the charts have points and errors.
    const { api } = await publishedApi(stack.t, admin.token, { context: "pets", upstreamUrl: stack.upstream.url });
    const { key } = await application(stack.t, admin.token, api.id, "Unlimited");
    const path = `/t/${admin.slug}/pets/v1/pets`;
    await served(stack.gw, path, { "x-api-key": key });
    for (let i = 0; i < 30; i += 1) {
      await stack.gw.call("GET", `${path}?i=${i}`, { headers: { "x-api-key": key } });
    }
    for (let i = 0; i < 6; i += 1) {
      await stack.gw.call("GET", path, { headers: { "x-api-key": "wrong" } });
    }

    await call("POST", "/api/v1/invitations", { email: "pat@example.com", role: "publisher" });
    await call("POST", "/api/v1/key-managers", {
      name: "Corporate Keycloak",
      issuer: "https://sso.example.com/realms/corp",
      jwksUri: "https://sso.example.com/realms/corp/protocol/openid-connect/certs",
    });
    webhookId = (await call("POST", "/api/v1/webhooks", { url: `${stack.upstream.url}/hooks`, events: ["*"] })).body.id;
    // A change after the webhook exists, so it has a delivery to show.
    await call("POST", "/api/v1/environments", { name: "on-prem" });

    await until(async () => {
      const res = await call("GET", "/api/v1/analytics/requests");
      return res.body.totals.count >= 37 || undefined;
    }, "analytics of the driven requests");

    browser = await launchBrowser();
    context = await browser.newContext({ viewport: WIDE });
    await context.addCookies([
      { name: "portico_session", value: admin.token, url: stack.consoleUrl },
      { name: "portico_tenant", value: admin.slug, url: stack.consoleUrl },
    ]);
    ({ page, errors } = await openPage(context));
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it("lists the members and refuses to demote the last admin", async () => {
    await page.goto(url("/admin"));
    await page.waitForURL(url("/admin/users"));
    await page.getByRole("link", { name: "Admin", exact: true }).waitFor();
    const row = page.getByRole("row", { name: new RegExp(`admin@${admin.slug}`) });
    await row.getByLabel(/^Role of/).selectOption("developer");
    await row.getByRole("button", { name: /^Save/ }).click();
    await row.locator(".field-error").waitFor();
    expect(await row.locator(".field-error").textContent()).toMatch(/admin/i);
    await check("admin-users");
  });

  it("creates an invitation and shows its link once, with a copy button", async () => {
    await page.goto(url("/admin/invitations"));
    expect(await page.locator("tbody tr").count()).toBe(1);
    await page.getByLabel("Email").fill("dev@example.com");
    await page.getByLabel("Role").selectOption("developer");
    await page.getByRole("button", { name: "Create invitation" }).click();
    const link = page.locator(".secret-once-value");
    await link.waitFor();
    expect(await link.textContent()).toMatch(new RegExp(`/invitation\\?tenant=${admin.slug}&token=`));
    await page.getByRole("button", { name: "Copy invitation link" }).waitFor();
    await page.getByRole("row", { name: /dev@example.com/ }).waitFor();
    await check("admin-invitations");
    const invitationLink = (await link.textContent()) ?? "";
    await page.reload();
    expect(await page.locator(".secret-once-value").count()).toBe(0);

    // The invitee follows the link, chooses a password and lands in the developer portal.
    const invitee = await browser.newContext({ viewport: WIDE });
    const { page: p, errors: inviteeErrors } = await openPage(invitee);
    await p.goto(invitationLink);
    await p.getByRole("heading", { name: `Join ${admin.slug}` }).waitFor();
    await shoot(p, "invitation");
    expect(await seriousA11yViolations(p)).toEqual([]);
    await p.getByLabel("Choose a password").fill("correct horse battery");
    await p.getByRole("button", { name: "Join the organisation" }).click();
    await p.waitForURL(url(`/portal/${admin.slug}`));
    expect(inviteeErrors).toEqual([]);
    await invitee.close();
  });

  it("lists environments, shared ones read-only, and makes a registration token for a self-hosted one", async () => {
    await page.goto(url("/admin/environments"));
    await page.getByText("Shared · read-only").first().waitFor();
    await check("admin-environments");
    await page.getByLabel("Name", { exact: true }).fill("edge-eu");
    await page.getByRole("button", { name: "Create environment" }).click();
    await page.waitForURL(/\/admin\/environments\/[^/]+$/);
    await page.getByRole("heading", { name: "edge-eu" }).waitFor();
    await page.getByLabel("Description (optional)").fill("rack 4");
    await page.getByRole("button", { name: "Create token" }).click();
    await page.locator(".secret-once-value").waitFor();
    await page.getByRole("row", { name: /rack 4/ }).waitFor();
    await check("admin-environment");
  });

  it("shows the gateway with its heartbeat, bundle and policy kinds, in sync, and asks it to resync", async () => {
    await page.goto(url("/admin/gateways"));
    const row = page.getByRole("row", { name: /admin-e2e/ });
    await row.waitFor();
    expect(await row.textContent()).toContain("In sync");
    expect(await row.textContent()).toMatch(/\d+ policy kinds/);
    await check("admin-gateways");
    await row.getByRole("button", { name: /Resync/ }).click();
    await row.getByRole("button", { name: /Resync/ }).waitFor();
    expect(await row.locator(".field-error").count()).toBe(0);
    await page.reload();
    await page
      .getByRole("row", { name: /admin-e2e/ })
      .getByText("In sync")
      .waitFor();
  });

  it("lists and registers key managers", async () => {
    await page.goto(url("/admin/key-managers"));
    await page.getByRole("row", { name: /Corporate Keycloak/ }).waitFor();
    await page.getByLabel("Name", { exact: true }).fill("Okta");
    await page.getByLabel("Issuer").fill("https://acme.okta.com");
    await page.getByLabel("JWKS URI (optional)").fill("https://acme.okta.com/oauth2/v1/keys");
    await page.getByRole("button", { name: "Register" }).click();
    await page.getByRole("row", { name: /Okta/ }).waitFor();
    await check("admin-key-managers");
  });

  it("lists webhooks with their deliveries, and shows a new one's secret once", async () => {
    await page.goto(url("/admin/webhooks"));
    await page.getByLabel("URL").fill("https://hooks.example.com/portico");
    await page.getByLabel("Events").fill("api.lifecycle, subscription.*");
    await page.getByRole("button", { name: "Create webhook" }).click();
    await page.getByRole("button", { name: "Copy signing secret" }).waitFor();
    await page.getByRole("row", { name: /hooks\.example\.com/ }).waitFor();
    await check("admin-webhooks");
    await page.goto(url(`/admin/webhooks/${webhookId}`));
    await page.getByRole("cell", { name: "environment.create" }).or(page.locator("tbody tr").first()).first().waitFor();
    await check("admin-webhook-deliveries");
  });

  it("pages and filters the audit log", async () => {
    await page.goto(url("/admin/audit"));
    await page.locator("tbody tr").first().waitFor();
    await check("admin-audit");
    await page.getByLabel("Action").fill("webhook.create");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/action=webhook\.create/);
    const actions = await page.locator("tbody th code").allTextContents();
    expect(actions.length).toBeGreaterThan(0);
    expect(new Set(actions)).toEqual(new Set(["webhook.create"]));
  });

  it("charts requests, latency and errors of the last hour, with text alternatives", async () => {
    await page.goto(url("/analytics"));
    await page.getByRole("link", { name: "Analytics" }).waitFor();
    const stats = (await page.locator(".stat-grid").textContent()) ?? "";
    // At least the 36 driven calls (waiting for the deployment made a few more).
    expect(Number(/Requests\s*(\d+)/.exec(stats)?.[1])).toBeGreaterThanOrEqual(36);
    await page.locator(".chart-box svg").first().waitFor();
    expect(await page.locator("figure figcaption").first().textContent()).toMatch(/requests and \d+ errors/);
    await check("analytics");
    await page.getByLabel("Last 7 days").check();
    await page.getByRole("button", { name: "Show" }).click();
    await page.waitForURL(/range=7d/);
    await page.locator(".chart-box svg").first().waitFor();
  });

  it("switches to the dark theme, kept in a cookie the server renders from", async () => {
    await page.goto(url("/admin/users"));
    await page.getByLabel("Colour theme").selectOption("dark");
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
    const cookie = (await context.cookies()).find((c) => c.name === "portico_theme");
    expect(cookie?.value).toBe("dark");
    const html = await (
      await fetch(url("/admin/users"), {
        headers: { cookie: `portico_session=${admin.token}; portico_theme=dark` },
      })
    ).text();
    expect(html).toMatch(/<html[^>]*data-theme="dark"/);
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.getByLabel("Colour theme").selectOption("system");
    await page.emulateMedia({ colorScheme: "light" });
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).not.toBe(background);
  });

  it("logged no browser errors along the way", () => {
    expect(errors).toEqual([]);
  });
});
