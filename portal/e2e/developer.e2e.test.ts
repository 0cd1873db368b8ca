import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signupTenant } from "../../control-plane/src/test/harness.js";
import { publishedApi, until } from "../../control-plane/src/test/journey.js";
import { launchBrowser, openPage, seriousA11yViolations, shoot, WIDE } from "./browser.js";
import { type ConsoleStack, startConsoleStack } from "./stack.js";

const PETS_OPENAPI = {
  openapi: "3.1.0",
  info: { title: "Pet Store", version: "v1", description: "Pets for adoption" },
  paths: {
    "/pets": {
      get: {
        summary: "List pets",
        parameters: [{ name: "limit", in: "query", schema: { type: "integer" }, description: "at most this many" }],
        responses: {
          "200": {
            description: "The pets",
            content: { "application/json": { schema: { type: "array", items: { $ref: "#/components/schemas/Pet" } } } },
          },
        },
      },
      post: {
        summary: "Add a pet",
        requestBody: { content: { "application/json": { schema: { $ref: "#/components/schemas/Pet" } } } },
        responses: { "201": { description: "Added" } },
      },
    },
  },
  components: {
    schemas: {
      Pet: {
        type: "object",
        required: ["name"],
        properties: { name: { type: "string", description: "what it answers to" }, age: { type: "integer" } },
      },
    },
  },
};

/**
 * Journey 2: a developer registers on a tenant's portal, finds a published API, creates an
 * application, subscribes it with a tier, gets an API key (shown once, copied) and calls the
 * API from the try-it panel: a real 200 from the upstream, through the real gateway.
 */
describe("developer portal: register, discover, subscribe, call", () => {
  let stack: ConsoleStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let slug: string;
  let petsId: string;
  let draftId: string;
  let portal: (p?: string) => string;

  beforeAll(async () => {
    stack = await startConsoleStack("devportal-e2e");
    const admin = await signupTenant(stack.t.api);
    slug = admin.slug;
    const call = (method: string, path: string, body?: unknown) =>
      stack.t.api.call(method, path, { token: admin.token, body });
    // The publisher's side, through the REST API: a documented API and a plain one, both live.
    const pets = await call("POST", "/api/v1/apis/import", {
      openapi: PETS_OPENAPI,
      upstream: { url: stack.upstream.url },
      context: "pets",
    });
    expect(pets.status).toBe(201);
    petsId = pets.body.id;
    await call("PATCH", `/api/v1/apis/${petsId}`, { tags: ["animals", "demo"] });
    await call("POST", `/api/v1/apis/${petsId}/lifecycle`, { action: "publish" });
    const rev = (await call("POST", `/api/v1/apis/${petsId}/revisions`)).body;
    expect(
      (await call("POST", `/api/v1/apis/${petsId}/deployments`, { revisionId: rev.id, environment: "default" })).status,
    ).toBe(201);
    await call("POST", `/api/v1/apis/${petsId}/docs`, {
      slug: "authentication",
      title: "Authentication",
      body: "Send your key in the `X-API-Key` header.\n\n## Limits\n\n- Gold: 5000/min\n\n<script>window.pwned = 1</script>",
    });
    const echo = await publishedApi(stack.t, admin.token, { context: "echo", upstreamUrl: stack.upstream.url });
    await call("PATCH", `/api/v1/apis/${echo.api.id}`, { tags: ["demo"], description: "Answers with your request" });
    draftId = (
      await call("POST", "/api/v1/apis", {
        name: "Unreleased",
        context: "draft",
        version: "v1",
        upstream: { url: stack.upstream.url },
      })
    ).body.id;

    portal = (p = "") => `${stack.consoleUrl}/portal/${slug}${p}`;
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: WIDE });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: stack.consoleUrl });
    ({ page, errors } = await openPage(context));
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it("shows the catalog to anyone: published APIs only, searchable by text and tag", async () => {
    await page.goto(portal());
    await page.getByRole("heading", { name: /APIs$/, level: 1 }).waitFor();
    const names = await page.locator(".dp-api-card h2").allTextContents();
    expect(names.sort()).toEqual(["Pet Store", "echo"]);
    await shoot(page, "portal-catalog");
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByLabel("Search APIs").fill("answers");
    await page.getByLabel("Search APIs").press("Enter");
    await page.waitForURL(/\?q=answers/);
    expect(await page.locator(".dp-api-card h2").allTextContents()).toEqual(["echo"]);
    await page.goto(portal("?tag=animals"));
    expect(await page.locator(".dp-api-card h2").allTextContents()).toEqual(["Pet Store"]);
    await page.goto(portal("?q=nothing-like-this"));
    await page.getByRole("heading", { name: "No API matches" }).waitFor();
    await shoot(page, "portal-catalog-empty");
  });

  it("registers a developer on the tenant's portal", async () => {
    await page.goto(portal());
    await page.getByRole("link", { name: "Register" }).click();
    await page.waitForURL(portal("/register"));
    await shoot(page, "portal-register");
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByLabel("Email").fill("grace@example.org");
    await page.getByLabel("Password").fill("developer password");
    await page.getByRole("button", { name: "Create developer account" }).click();
    await page.waitForURL(portal());
    await page.getByRole("link", { name: "Applications" }).waitFor();
  });

  it("shows the API: rendered Markdown without raw HTML, and a reference from the OpenAPI", async () => {
    await page.getByRole("link", { name: "Pet Store" }).click();
    await page.waitForURL(portal(`/apis/${petsId}`));
    await page.getByRole("heading", { name: "Authentication", level: 3 }).waitFor();
    expect(await page.locator(".dp-prose code").first().textContent()).toBe("X-API-Key");
    expect(await page.locator(".dp-prose script").count()).toBe(0);
    expect(await page.evaluate(() => "pwned" in window)).toBe(false);
    expect(await page.locator(".dp-op-title").allTextContents()).toEqual(["GET /pets", "POST /pets"]);
    expect(await page.locator("#schema-Pet").textContent()).toContain("what it answers to");
    await shoot(page, "portal-api");
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it("creates an application, subscribes it with a tier and shows a new key once, with a copy button", async () => {
    await page.getByRole("link", { name: "Subscribe" }).click();
    await page.waitForURL(portal(`/applications?subscribe=${petsId}`));
    await page.getByRole("heading", { name: "No applications yet" }).waitFor();
    await shoot(page, "portal-applications-empty");
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByLabel("Application name").fill("Adoption app");
    await page.getByRole("button", { name: "Create application" }).click();
    await page.getByRole("heading", { name: "Adoption app" }).waitFor();
    const form = page.getByRole("form", { name: "Subscribe Adoption app to an API" });
    expect(await form.getByLabel("API", { exact: true }).inputValue()).toBe(petsId);
    await form.getByLabel("Tier").selectOption("Gold");
    await form.getByRole("button", { name: "Subscribe" }).click();
    await page.locator(".dp-subs li", { hasText: "Pet Store" }).getByText("Active").waitFor();

    await page.getByRole("button", { name: "Create API key for Adoption app" }).click();
    const shown = page.locator('[data-secret="API key"]');
    await shown.waitFor();
    const key = (await shown.textContent()) ?? "";
    expect(key.length).toBeGreaterThan(20);
    await page.getByRole("button", { name: "Copy API key" }).click();
    await page.getByRole("button", { name: "Copied API key" }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
    await shoot(page, "portal-applications");
    expect(await seriousA11yViolations(page)).toEqual([]);

    // Shown once: a reload shows no secret.
    await page.reload();
    expect(await page.locator("[data-secret]").count()).toBe(0);
  });

  it("calls the API from the try-it panel: 200 from the upstream through the gateway", async () => {
    const key = await page.evaluate(() => navigator.clipboard.readText());
    await page.goto(portal(`/apis/${petsId}#try`));
    await page.getByLabel("Operation", { exact: true }).selectOption("GET /pets");
    await page.getByLabel("Path and query").fill("/pets?limit=2");
    await page.getByLabel("API key", { exact: true }).fill(key);
    // The new subscription and key reach the gateway in the next bundle: retry until it serves.
    const status = await until(async () => {
      await page.getByRole("button", { name: "Send request" }).click();
      await page.locator('[data-testid="try-status"], .dp-result .alert-error').first().waitFor();
      const s = await page
        .locator('[data-testid="try-status"]')
        .textContent({ timeout: 1000 })
        .catch(() => null);
      return s === "200" ? s : undefined;
    }, "try-it answered 200");
    expect(status).toBe("200");
    const body = (await page.locator(".dp-result pre").textContent()) ?? "";
    expect(JSON.parse(body)).toMatchObject({ method: "GET", url: "/pets?limit=2" });
    expect(await page.locator(".dp-result-line").textContent()).toMatch(/\d+ ms/);

    await page.getByRole("tab", { name: "Python" }).click();
    expect(await page.locator(".dp-code-panel pre").textContent()).toContain(
      `${stack.gateway.url}/t/${slug}/pets/v1/pets?limit=2`,
    );
    await page.getByRole("tab", { name: "Python" }).press("ArrowRight");
    expect(await page.getByRole("tab", { name: "curl" }).getAttribute("aria-selected")).toBe("true");
    // Full-page screenshots from the top, so the sticky bars sit where a reader sees them.
    await page.evaluate(() => window.scrollTo(0, 0));
    await shoot(page, "portal-try-it");
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it("offers the API as a Postman collection (v2.1) at its gateway URL", async () => {
    const res = await fetch(portal(`/apis/${petsId}/postman`));
    expect(res.headers.get("content-disposition")).toContain("pets-v1.postman_collection.json");
    const collection = (await res.json()) as {
      info: { schema: string };
      item: { request: { method: string; url: { raw: string } } }[];
      variable: { key: string; value: string }[];
    };
    expect(collection.info.schema).toBe("https://schema.getpostman.com/json/collection/v2.1.0/collection.json");
    expect(collection.item.map((i) => `${i.request.method} ${i.request.url.raw}`)).toEqual([
      "GET {{baseUrl}}/pets?limit=",
      "POST {{baseUrl}}/pets",
    ]);
    expect(collection.variable.find((v) => v.key === "baseUrl")?.value).toBe(`${stack.gateway.url}/t/${slug}/pets/v1`);
  });

  it("answers 404 for an unpublished API and an unknown portal", async () => {
    expect((await fetch(portal(`/apis/${draftId}`))).status).toBe(404);
    expect((await fetch(portal(`/apis/${draftId}/postman`))).status).toBe(404);
    expect((await fetch(`${stack.consoleUrl}/portal/no-such-tenant`)).status).toBe(404);
  });

  it("takes a rating and a comment", async () => {
    await page.goto(portal(`/apis/${petsId}`));
    await page.locator(".dp-star-input label").nth(3).click();
    await page.getByRole("button", { name: "Save rating" }).click();
    await page.getByText("Thanks: your rating is saved.").waitFor();
    expect(await page.locator(".dp-api-meta .dp-rating").textContent()).toContain("4.0");
    await page.getByLabel("Add a comment").fill("Adopted a cat in two calls.");
    await page.getByRole("button", { name: "Post comment" }).click();
    await page.locator(".dp-comment", { hasText: "Adopted a cat in two calls." }).waitFor();
    expect(await page.locator(".dp-comment strong").first().textContent()).toBe("grace");
  });

  it("signs out and in again on the portal", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(portal());
    await page.getByRole("link", { name: "Sign in" }).click();
    await page.waitForURL(portal("/login"));
    await shoot(page, "portal-login");
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByLabel("Email").fill("grace@example.org");
    await page.getByLabel("Password").fill("developer password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(portal());
    await page.getByRole("link", { name: "Applications" }).waitFor();
  });

  it("logged no browser errors along the way", () => {
    expect(errors.join("\n")).toBe("");
  });
});
