import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

const outDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "test-results");

export const WIDE = { width: 1280, height: 860 };
export const NARROW = { width: 375, height: 812 };

/** Debian's Chromium, headless, as on CI (no browser download at install time). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
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
}

/**
 * A page that records what should never happen in a working console: script errors, console
 * errors and failed responses (4xx/5xx, except those listed as expected).
 */
export async function openPage(
  context: BrowserContext,
  opts: { expectedStatuses?: number[] } = {},
): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  // With the URL: "Failed to load resource" alone does not say which.
  page.on("console", (m) => m.type() === "error" && errors.push(`${m.text()} (${m.location().url})`));
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("response", (r) => {
    if (r.status() >= 400 && !opts.expectedStatuses?.includes(r.status())) {
      errors.push(`${r.status()} ${r.request().method()} ${r.url()}`);
    }
  });
  return { page, errors };
}

/**
 * Full-page screenshots of the current page in light and dark, 1280 and 375 px wide, under
 * `portal/test-results/<name>-<light|dark>-<width>.png`.
 */
export async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  await settleInstantly(page);
  const original = page.viewportSize() ?? WIDE;
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const size of [WIDE, NARROW]) {
      await page.setViewportSize(size);
      await page.screenshot({ path: path.join(outDir, `${name}-${scheme}-${size.width}.png`), fullPage: true });
    }
  }
  await page.emulateMedia({ colorScheme: null });
  await page.setViewportSize(original);
}

/**
 * Switching the colour scheme starts the console's colour transitions; screenshots and
 * contrast checks must see the end state, not a frame in between.
 */
async function settleInstantly(page: Page): Promise<void> {
  await page.addStyleTag({
    content: "*,*::before,*::after{transition:none!important;animation:none!important}",
  });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: string[];
}

/** axe-core on the current page, in light and dark: the serious and critical violations. */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  const found: AxeViolation[] = [];
  await settleInstantly(page);
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    if (!(await page.evaluate(() => "axe" in window))) {
      await page.addScriptTag({ content: axeSource });
    }
    const violations = await page.evaluate(async () => {
      // biome-ignore lint/suspicious/noExplicitAny: axe is injected into the page at run time
      const result = await (window as any).axe.run(document, { resultTypes: ["violations"] });
      return result.violations.map(
        (v: { id: string; impact: string; help: string; nodes: { target: string[] }[] }) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          nodes: v.nodes.map((n) => n.target.join(" ")),
        }),
      );
    });
    for (const v of violations as AxeViolation[]) {
      if (v.impact === "serious" || v.impact === "critical") {
        found.push({ ...v, help: `${v.help} (${scheme})` });
      }
    }
  }
  await page.emulateMedia({ colorScheme: null });
  return found;
}
