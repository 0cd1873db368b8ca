import { mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { err, ok, type Result } from "@portico/shared";
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
