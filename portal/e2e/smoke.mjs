#!/usr/bin/env node
// Browser smoke test of the console against a running control plane.
//
//   PORTICO_CP_URL=http://127.0.0.1:4000 node e2e/smoke.mjs      (after `next build`)
//
// Starts `next start` on CONSOLE_PORT (3100) unless CONSOLE_URL points at a running console,
// signs up a fresh tenant, creates three APIs through the REST contract, and walks sign-in,
// the API list, errors and sign-out in Debian's Chromium (CHROMIUM_PATH, /usr/bin/chromium).
// Screenshots land in test-results/ at 1280 and 375 px wide, light and dark.
import { spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const portalDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outDir = path.join(portalDir, "test-results");
const cpUrl = (process.env.PORTICO_CP_URL ?? "http://127.0.0.1:4000").replace(/\/+$/, "");
const gatewayUrl = (process.env.PORTICO_GATEWAY_URL ?? "http://127.0.0.1:8000").replace(/\/+$/, "");
const consolePort = Number(process.env.CONSOLE_PORT ?? 3100);
const consoleUrl = (process.env.CONSOLE_URL ?? `http://127.0.0.1:${consolePort}`).replace(/\/+$/, "");

const WIDE = { width: 1280, height: 860 };
const NARROW = { width: 375, height: 812 };

let passed = 0;
let failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed += 1;
    console.log(`  ok    ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`  FAIL  ${name}\n        ${String(error?.message ?? error).split("\n")[0]}`);
  }
}
function assert(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

async function startConsole() {
  if (process.env.CONSOLE_URL) {
    return null;
  }
  const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");
  const args = [nextBin, "start", "-p", String(consolePort), "-H", "127.0.0.1"];
  const child = spawn(process.execPath, args, {
    cwd: portalDir,
    env: { ...process.env, PORTICO_CP_URL: cpUrl, PORTICO_GATEWAY_URL: gatewayUrl, NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "inherit", "inherit"],
  });
  for (let i = 0; i < 100; i += 1) {
    try {
      if ((await fetch(`${consoleUrl}/healthz`)).ok) {
        return child;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error(`the console did not start on ${consoleUrl}`);
}

async function cp(method, route, token, body) {
  const res = await fetch(cpUrl + route, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function shoot(page, name) {
  for (const [label, size] of [
    ["1280", WIDE],
    ["375", NARROW],
  ]) {
    await page.setViewportSize(size);
    await page.screenshot({ path: path.join(outDir, `${name}-${label}.png`), fullPage: true });
  }
  await page.setViewportSize(WIDE);
}

async function main() {
  await mkdir(outDir, { recursive: true });
  const server = await startConsole();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
  const slug = `smoke-${Date.now().toString(36)}`;
  const email = "ada@example.com";
  const password = "correct horse battery";

  try {
    const context = await browser.newContext({ viewport: WIDE, colorScheme: "light" });
    const page = await context.newPage();
    const consoleErrors = [];
    page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
    page.on("pageerror", (e) => consoleErrors.push(e.message));
    page.on(
      "response",
      (r) => r.status() >= 400 && consoleErrors.push(`${r.status()} ${r.request().method()} ${r.url()}`),
    );

    await check("healthz and readyz answer 200 {status:ok}", async () => {
      for (const p of ["/healthz", "/readyz"]) {
        const res = await fetch(consoleUrl + p);
        const body = await res.json();
        assert(res.status === 200 && body.status === "ok", `${p} → ${res.status} ${JSON.stringify(body)}`);
      }
    });

    await check("/ without a session goes to /login", async () => {
      await page.goto(`${consoleUrl}/`);
      assert(new URL(page.url()).pathname === "/login", `landed on ${page.url()}`);
      await shoot(page, "login");
    });

    await check("/apis without a session goes to /login", async () => {
      await page.goto(`${consoleUrl}/apis`);
      assert(new URL(page.url()).pathname === "/login", `landed on ${page.url()}`);
    });

    await check("sign-up creates the tenant and opens the empty API list", async () => {
      await page.goto(`${consoleUrl}/signup`);
      await shoot(page, "signup");
      await page.getByLabel("Organisation name").fill("Smoke Test Café");
      const derived = await page.getByLabel("Slug").inputValue();
      assert(derived === "smoke-test-cafe", `slug derived as "${derived}"`);
      await page.getByLabel("Slug").fill(slug);
      await page.getByLabel("Admin email").fill(email);
      await page.getByLabel("Password").fill(password);
      await page.getByRole("button", { name: "Create organisation" }).click();
      await page.waitForURL(`${consoleUrl}/apis`);
      await page.getByRole("heading", { name: "No APIs yet" }).waitFor();
      const chip = await page.locator(".tenant-chip-slug").textContent();
      assert(chip === slug, `top bar shows tenant "${chip}"`);
      await shoot(page, "apis-empty");
    });

    let token = "";
    await check("session cookie is httpOnly and SameSite=Lax; tenant cookie is readable", async () => {
      const cookies = await context.cookies();
      const session = cookies.find((c) => c.name === "portico_session");
      const tenant = cookies.find((c) => c.name === "portico_tenant");
      assert(session?.httpOnly && session.sameSite === "Lax", `portico_session: ${JSON.stringify(session)}`);
      assert(tenant && !tenant.httpOnly && tenant.value === slug, `portico_tenant: ${JSON.stringify(tenant)}`);
      assert(!(await page.evaluate(() => document.cookie)).includes("portico_session"), "token visible to scripts");
      token = session.value;
    });

    await check("three APIs created through the REST API are listed", async () => {
      const specs = [
        {
          name: "Payments",
          context: "payments",
          version: "v2",
          upstream: { url: "https://payments.internal.example/api" },
          description: "Card and bank payments, refunds and payouts.",
        },
        { name: "Pet Store", context: "pets", version: "v1", upstream: { url: "http://10.0.3.17:8080" } },
        {
          name: "Weather",
          context: "weather/forecast",
          version: "2024-06",
          upstream: { url: "https://weather-upstream.example.com/v3/forecast/with/a/rather/long/path" },
        },
      ];
      const created = [];
      for (const spec of specs) {
        const res = await cp("POST", "/api/v1/apis", token, spec);
        assert(res.status === 201, `POST /apis → ${res.status} ${JSON.stringify(res.body)}`);
        created.push(res.body);
      }
      // Distinct statuses where the lifecycle allows it; a refusal only leaves the badge as is.
      await cp("POST", `/api/v1/apis/${created[0].id}/lifecycle`, token, { action: "publish" });
      await cp("POST", `/api/v1/apis/${created[2].id}/lifecycle`, token, { action: "publish" });
      await cp("POST", `/api/v1/apis/${created[2].id}/lifecycle`, token, { action: "deprecate" });

      await page.goto(`${consoleUrl}/apis`);
      const cards = page.locator(".api-card");
      assert((await cards.count()) === 3, `${await cards.count()} cards`);
      const text = await page.locator(".api-list").textContent();
      assert(text.includes("/weather/forecast/2024-06"), "context/version missing");
      assert(text.includes(`${gatewayUrl}/t/${slug}/pets/v1/`), "gateway URL missing");
      await shoot(page, "apis-3");
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: consoleUrl });
      await page.getByRole("button", { name: "Copy gateway URL of Pet Store v1" }).click();
      await page.getByRole("button", { name: "Copied gateway URL of Pet Store v1" }).waitFor();
      const copied = await page.evaluate(() => navigator.clipboard.readText());
      assert(copied === `${gatewayUrl}/t/${slug}/pets/v1/`, `clipboard holds "${copied}"`);
      const dark = await browser.newContext({ viewport: WIDE, colorScheme: "dark" });
      await dark.addCookies(await context.cookies());
      const darkPage = await dark.newPage();
      await darkPage.goto(`${consoleUrl}/apis`);
      await shoot(darkPage, "apis-3-dark");
      await dark.close();
    });

    await check("sign-out ends the session and /apis asks for sign-in again", async () => {
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.waitForURL(/\/login\?reason=signed-out$/);
      await page.getByText("You are signed out.").waitFor();
      await page.goto(`${consoleUrl}/apis`);
      assert(new URL(page.url()).pathname === "/login", `landed on ${page.url()}`);
    });

    await check("sign-in remembers the tenant, shows a bad password, then signs in", async () => {
      await page.goto(`${consoleUrl}/login`);
      const remembered = await page.getByLabel("Organisation").inputValue();
      assert(remembered === slug, `tenant field holds "${remembered}"`);
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill("wrong password");
      await page.getByRole("button", { name: "Sign in" }).click();
      // (not getByRole("alert"): Next's route announcer has that role too)
      await page.locator(".alert-error").waitFor();
      assert((await page.getByLabel("Email").inputValue()) === email, "email was not kept");
      await shoot(page, "login-error");
      await page.getByLabel("Password").fill(password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`${consoleUrl}/apis`);
    });

    await check("/ with a session goes to /apis", async () => {
      await page.goto(`${consoleUrl}/`);
      assert(new URL(page.url()).pathname === "/apis", `landed on ${page.url()}`);
    });

    await check("sign-in works without JavaScript (progressive enhancement)", async () => {
      const noJs = await browser.newContext({ viewport: WIDE, javaScriptEnabled: false });
      const p = await noJs.newPage();
      await p.goto(`${consoleUrl}/login`);
      await p.getByLabel("Organisation").fill(slug);
      await p.getByLabel("Email").fill(email);
      await p.getByLabel("Password").fill(password);
      await p.getByRole("button", { name: "Sign in" }).click();
      await p.waitForURL(`${consoleUrl}/apis`);
      assert((await p.locator(".api-card").count()) === 3, "API list not rendered");
      await noJs.close();
    });

    await check("a taken slug shows the control plane's problem at the field", async () => {
      const other = await browser.newContext({ viewport: WIDE });
      const p = await other.newPage();
      await p.goto(`${consoleUrl}/signup`);
      await p.getByLabel("Organisation name").fill("Someone Else");
      await p.getByLabel("Slug").fill(slug);
      await p.getByLabel("Admin email").fill("eve@example.com");
      await p.getByLabel("Password").fill("another password");
      await p.getByRole("button", { name: "Create organisation" }).click();
      await p.locator(".alert-error").waitFor();
      const invalid = await p.getByLabel("Slug").getAttribute("aria-invalid");
      assert(invalid === "true", "slug field not marked invalid");
      const focused = await p.evaluate(() => document.activeElement?.getAttribute("name"));
      assert(focused === "tenant.slug", `focus on ${focused}`);
      await shoot(p, "signup-error");
      await other.close();
    });

    await check("a token the control plane refuses leads back to sign-in", async () => {
      const stale = await browser.newContext({ viewport: WIDE });
      await stale.addCookies([{ name: "portico_session", value: "not-a-valid-token", url: consoleUrl }]);
      const p = await stale.newPage();
      await p.goto(`${consoleUrl}/apis`);
      await p.waitForURL(/\/login\?reason=expired$/, { timeout: 10_000 });
      await p.getByText("Your session has ended").waitFor();
      const left = (await stale.cookies()).find((c) => c.name === "portico_session");
      assert(!left, "stale session cookie kept");
      await stale.close();
    });

    await check("no console errors in the browser", async () => {
      assert(consoleErrors.length === 0, consoleErrors.join(" | "));
    });
    await context.close();
  } finally {
    await browser.close();
    server?.kill();
  }
  console.log(`\n${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

await main();
