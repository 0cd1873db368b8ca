import { mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { err, ok, type Result } from "@portico/shared";
import { type BundleKeySet, bundleKeySet } from "@portico/shared/bundle";
import type { JSONWebKeySet } from "jose";
import { request } from "undici";
import { z } from "zod";
import { writeFileAtomic } from "./disk.js";

const PublicJwks = z.object({
  keys: z
    .array(
      z.looseObject({ kty: z.string(), kid: z.string().optional() }).refine((k) => !("d" in k), {
        message: "a bundle key must be public (it has a private part `d`)",
      }),
    )
    .min(1),
});

export interface KeySource {
  /** File path, or http(s) URL of the control plane's `/.well-known/portico/bundle-keys`. */
  location: string;
  /** Where a fetched JWKS is kept, so a gateway restarting without the control plane still starts. */
  cachePath: string;
  fetchTimeoutMs?: number;
}

function parseJwks(text: string, origin: string): Result<JSONWebKeySet, string> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return err(`${origin} is not JSON`);
  }
  const parsed = PublicJwks.safeParse(json);
  if (!parsed.success) {
    return err(`${origin} is not a public JWKS: ${parsed.error.issues.map((i) => i.message).join("; ")}`);
  }
  return ok(parsed.data as JSONWebKeySet);
}

async function fetchText(url: string, timeoutMs: number): Promise<Result<string, string>> {
  try {
    const res = await request(url, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    const text = await res.body.text();
    return res.statusCode === 200 ? ok(text) : err(`HTTP ${res.statusCode}`);
  } catch (error) {
    return err(error instanceof Error ? error.message : String(error));
  }
}

async function readText(path: string): Promise<Result<string, string>> {
  try {
    return ok(await readFile(path, "utf8"));
  } catch (error) {
    return err(error instanceof Error ? error.message : String(error));
  }
}

/** The public keys bundles must be signed with. A URL is fetched once; its cached copy covers outages. */
export async function loadBundleKeys(source: KeySource): Promise<Result<JSONWebKeySet, string>> {
  if (!/^https?:\/\//i.test(source.location)) {
    const text = await readText(source.location);
    return text.ok ? parseJwks(text.value, source.location) : err(`cannot read ${source.location}: ${text.error}`);
  }
  const fetched = await fetchText(source.location, source.fetchTimeoutMs ?? 5000);
  if (fetched.ok) {
    const keys = parseJwks(fetched.value, source.location);
    if (keys.ok) {
      await mkdir(dirname(source.cachePath), { recursive: true });
      await writeFileAtomic(source.cachePath, JSON.stringify(keys.value));
      return keys;
    }
  }
  const cached = await readText(source.cachePath);
  if (cached.ok) {
    return parseJwks(cached.value, source.cachePath);
  }
  const why = fetched.ok ? "it did not return a public JWKS" : fetched.error;
  return err(`cannot fetch bundle keys from ${source.location} (${why}) and no cached copy at ${source.cachePath}`);
}

/**
 * The bundle-verification keys a gateway trusts: those given at install plus any a verified
 * bundle announced (`nextBundleKeys`, a rotation under way). Announced keys are kept on disk
 * next to the bundles, so a restart without the control plane still verifies bundles the new
 * key signed. `keySet` always reflects the current set.
 */
export class TrustedBundleKeys {
  readonly #path: string;
  #jwks: JSONWebKeySet;
  #local: BundleKeySet;
  readonly keySet: BundleKeySet;

  private constructor(initial: JSONWebKeySet, path: string) {
    this.#path = path;
    this.#jwks = { keys: [...initial.keys] };
    this.#local = bundleKeySet(this.#jwks);
    const delegate = ((header, token) => this.#local(header, token)) as BundleKeySet;
    Object.defineProperty(delegate, "jwks", { value: () => structuredClone(this.#jwks) });
    this.keySet = delegate;
  }

  /** The installed keys plus the announced ones persisted at `path` (missing or bad file: none). */
  static async load(installed: JSONWebKeySet, path: string): Promise<TrustedBundleKeys> {
    const trusted = new TrustedBundleKeys(installed, path);
    const stored = await readText(path);
    if (stored.ok) {
      const keys = parseJwks(stored.value, path);
      if (keys.ok) {
        trusted.#merge(keys.value);
      }
    }
    return trusted;
  }

  get kids(): string[] {
    return this.#jwks.keys.map((k) => k.kid ?? "");
  }

  /** Adds announced public keys; true when the set grew (then it is persisted). */
  async announce(announced: JSONWebKeySet | undefined): Promise<boolean> {
    if (announced === undefined || announced.keys.length === 0) {
      return false;
    }
    const parsed = PublicJwks.safeParse(announced);
    if (!parsed.success) {
      return false;
    }
    const before = this.#jwks.keys.length;
    this.#merge(parsed.data as JSONWebKeySet);
    if (this.#jwks.keys.length === before) {
      return false;
    }
    await mkdir(dirname(this.#path), { recursive: true });
    await writeFileAtomic(this.#path, JSON.stringify(this.#jwks));
    return true;
  }

  #merge(extra: JSONWebKeySet): void {
    const kids = new Set(this.#jwks.keys.map((k) => k.kid));
    const added = extra.keys.filter((k) => k.kid !== undefined && !kids.has(k.kid) && k.kty === "OKP");
    if (added.length > 0) {
      this.#jwks = { keys: [...this.#jwks.keys, ...added] };
      this.#local = bundleKeySet(this.#jwks);
    }
  }
}
