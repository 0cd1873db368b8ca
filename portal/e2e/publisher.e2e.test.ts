import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signupTenant } from "../../control-plane/src/test/harness.js";
import { launchBrowser, NARROW, openPage, seriousA11yViolations, shoot, WIDE } from "./browser.js";
import { type ConsoleStack, startConsoleStack } from "./stack.js";

/** An OpenAPI 3.0 document in YAML, as a publisher would have it on disk. */
const petsYaml = (upstream: string) => `openapi: 3.0.3
info:
  title: Pet Store
  version: v1
servers:
  - url: ${upstream}
paths:
  /pets:
    get:
      summary: List pets
      responses:
        "200": { description: The pets }
    post:
      summary: Add a pet
      responses:
        "201": { description: Added }
`;

/**
 * Journey 1: a publisher signs up, uploads an OpenAPI document, attaches a policy, publishes
 * the API, deploys a revision and watches the gateway ack it live; then approves a pending
 * subscription and adds a tier. Real control plane, gateway and console; one browser context.
 */
describe("publisher console: import, publish, deploy, approve", () => {
  let stack: ConsoleStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let apiId: string;
  const slug = `pub-${Date.now().toString(36)}`;
  let url: (p: string) => string;
  const files = path.join(tmpdir(), `portico-${slug}`);

  beforeAll(async () => {
    stack = await startConsoleStack("publisher-e2e");
    url = (p) => stack.consoleUrl + p;
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: WIDE });
    ({ page, errors } = await openPage(context));
    writeFileSync(`${files}-pets.yaml`, petsYaml(stack.upstream.url));
    writeFileSync(`${files}-broken.json`, JSON.stringify({ openapi: "3.0.3", info: { version: "1" } }));
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  /** Screenshots (light, dark, wide, narrow), axe, and nothing wider than a 375 px phone. */
  const check = async (name: string) => {
    await page.evaluate(() => window.scrollTo(0, 0));
    await shoot(page, name);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.setViewportSize(NARROW);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    await page.setViewportSize(WIDE);
    expect(width).toBeLessThanOrEqual(NARROW.width);
  };

  const token = async () => (await context.cookies()).find((c) => c.name === "portico_session")?.value ?? "";

  it("signs up and opens the new-API page from the empty list", async () => {
    await page.goto(url("/signup"));
    await page.getByLabel("Organisation name").fill("Publisher Journey");
    await page.getByLabel("Slug").fill(slug);
    await page.getByLabel("Admin email").fill("pat@example.com");
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Create organisation" }).click();
    await page.waitForURL(url("/apis"));
    await page.getByRole("link", { name: "Create your first API" }).click();
    await page.waitForURL(url("/apis/new"));
    await check("api-new");
  });

  it("lists what the control plane finds wrong in an uploaded document at the file field", async () => {
    await page.getByLabel("OpenAPI document", { exact: true }).setInputFiles(`${files}-broken.json`);
    await page.getByRole("button", { name: "Import API" }).click();
    const listed = page.locator("#field-openapi-error");
    await listed.waitFor();
    expect(await listed.textContent()).toMatch(/paths|title/);
    expect(await page.getByLabel("OpenAPI document", { exact: true }).getAttribute("aria-invalid")).toBe("true");
    await check("api-new-error");
  });

  it("imports an OpenAPI file by upload and opens the API with its resources", async () => {
    await page.getByLabel("OpenAPI document", { exact: true }).setInputFiles(`${files}-pets.yaml`);
    await page.getByRole("button", { name: "Import API" }).click();
    await page.waitForURL(/\/apis\/[^/]+\?created=1$/);
    apiId = new URL(page.url()).pathname.split("/")[2] ?? "";
    await page.getByRole("heading", { name: "Pet Store" }).waitFor();
    expect(await page.locator(".resource-form").count()).toBe(2);
    // Only the moves the lifecycle allows from CREATED are offered.
    const moves = await page.getByRole("form", { name: "Lifecycle" }).getByRole("button").allTextContents();
    expect(moves.map((m) => m.split("→")[0]?.trim())).toEqual(["Pre-release", "Publish"]);
  });

  it("attaches a rate-limit policy through the form generated from its schema", async () => {
    const form = page.getByRole("form", { name: "Policy" });
    await form.getByLabel("Kind").selectOption("rate-limit");
    await form.getByLabel("Limit (optional)").fill("100");
    await form.getByRole("button", { name: "Attach policy" }).click();
    await page.locator(".policy-row", { hasText: '"limit":100' }).waitFor();
  });

  it("publishes, creates a revision, deploys it and sees the gateway ack arrive live", async () => {
    await page.getByRole("button", { name: /^Publish/ }).click();
    await page.locator(".title-row .badge", { hasText: "Published" }).waitFor();
    const moves = await page.getByRole("form", { name: "Lifecycle" }).getByRole("button").allTextContents();
    expect(moves.map((m) => m.split("→")[0]?.trim())).toEqual(["Block", "Deprecate", "Demote to created"]);

    await page.getByRole("button", { name: "Create revision" }).click();
    await page.getByText("Revision 1 created.", { exact: true }).waitFor();
    const started = Date.now();
    await page.getByRole("button", { name: "Deploy", exact: true }).click();
    const acks = page.locator(".deploy-row", { hasText: "default" }).locator(".ack-done");
    await acks.waitFor({ timeout: 20_000 });
    expect(await acks.textContent()).toMatch(/^1\/1 gateways( · \d+ ms)?$/);
    expect(Date.now() - started).toBeLessThan(20_000);

    // The gateway serves it: no credential, so 401 (not the 404 of an unknown API).
    const res = await fetch(`${stack.gateway.url}/t/${slug}/pet-store/v1/pets`);
    expect(res.status).toBe(401);
    await res.body?.cancel();
    await check("api-detail");
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "APIs" }).click();
    await page.waitForURL(url("/apis"));
    await page.getByRole("link", { name: "Pet Store" }).waitFor();
    await check("apis-publisher");
    await page.getByRole("link", { name: "Pet Store" }).click();
    await page.waitForURL(url(`/apis/${apiId}`));
  });

  it("approves a pending subscription", async () => {
    await page.getByLabel("New subscriptions wait for approval").check();
    await page.getByRole("button", { name: "Save overview" }).click();
    await page.getByRole("form", { name: "Overview" }).getByText("Saved.", { exact: true }).waitFor();
    const auth = await token();
    const app = await stack.t.api.call("POST", "/api/v1/applications", { token: auth, body: { name: "Adoption app" } });
    const sub = await stack.t.api.call("POST", "/api/v1/subscriptions", {
      token: auth,
      body: { applicationId: app.body.id, apiId, tier: "Unlimited" },
    });
    expect(sub.body.status).toBe("PENDING");

    await page.getByRole("link", { name: "Subscriptions" }).click();
    await page.waitForURL(url("/subscriptions"));
    await page.getByText("Adoption app", { exact: true }).waitFor();
    await check("subscriptions");
    await page.getByRole("button", { name: /^Approve/ }).click();
    await page.getByRole("heading", { name: "Nothing to approve" }).waitFor();
    const after = await stack.t.api.call("GET", `/api/v1/subscriptions/${sub.body.id}`, { token: auth });
    expect(after.body.status).toBe("ACTIVE");
  });

  it("creates a subscription tier", async () => {
    await page.getByRole("link", { name: "Tiers" }).click();
    await page.waitForURL(url("/tiers"));
    const form = page.getByRole("form", { name: "New tier" });
    await form.getByLabel("Name", { exact: true }).fill("Platinum");
    await form.getByLabel("Requests", { exact: true }).fill("600");
    await form.getByRole("button", { name: "Create tier" }).click();
    await page.locator(".tier-card", { hasText: "Platinum" }).getByText("600 requests per minute").waitFor();
    await check("tiers");
  });

  it("streams the acks as Server-Sent Events to its tenant only", async () => {
    const events = async (session: string) => {
      const res = await fetch(url(`/apis/${apiId}/deployments/events`), {
        headers: { cookie: `portico_session=${session}` },
        redirect: "manual",
      });
      return { status: res.status, type: res.headers.get("content-type"), body: await res.text() };
    };
    const own = await events(await token());
    expect(own.type).toContain("text/event-stream");
    expect(own.body).toMatch(/event: status\ndata: \[\{"environment":"default".*"total":1,"acked":1/);
    expect(own.body).toContain("event: done");

    // Another tenant learns nothing: its control plane answers 404 for this API id.
    const other = await signupTenant(stack.t.api);
    const foreign = await events(other.token);
    expect(foreign.body).toMatch(/event: problem\ndata: \{"title":"[^"]+","status":404\}/);
    expect(foreign.body).not.toContain("default");
    const otherContext = await browser.newContext({ viewport: WIDE });
    await otherContext.addCookies([{ name: "portico_session", value: other.token, url: stack.consoleUrl }]);
    const p = await otherContext.newPage();
    // (200, not 404: the loading state has started the stream before the page finds nothing)
    await p.goto(url(`/apis/${apiId}`));
    await p.getByRole("heading", { name: "Page not found" }).waitFor();
    expect(await p.content()).not.toContain("Pet Store");
    await otherContext.close();

    // Without a session the stream is never opened.
    expect((await events("")).status).toBe(307);
  });

  it("undeploys: the row goes and the gateway stops serving the API", async () => {
    await page.goto(url(`/apis/${apiId}#deployments`));
    await page.getByRole("button", { name: "Undeploy from default" }).click();
    await page.getByText("Not deployed to any environment.").waitFor();
    await expect
      .poll(
        async () => {
          const res = await fetch(`${stack.gateway.url}/t/${slug}/pet-store/v1/pets`);
          await res.body?.cancel();
          return res.status;
        },
        { timeout: 15_000 },
      )
      .toBe(404);
  });

  it("logged no browser errors along the way", () => {
    expect(errors).toEqual([]);
  });
});
