import type { CompiledTenant } from "./compile.js";

/**
 * The config being served. Only the config watcher writes; each write is a single Map set or
 * delete, so a request sees a tenant's old config or its new one, never a mix.
 */
export class TenantStore {
  readonly #bySlug = new Map<string, CompiledTenant>();
  readonly #slugById = new Map<string, string>();

  bySlug(slug: string): CompiledTenant | undefined {
    return this.#bySlug.get(slug);
  }

  byId(tenantId: string): CompiledTenant | undefined {
    const slug = this.#slugById.get(tenantId);
    return slug === undefined ? undefined : this.#bySlug.get(slug);
  }

  /** The tenant id currently routed at this slug, if any. */
  slugOwner(slug: string): string | undefined {
    return this.#bySlug.get(slug)?.id;
  }

  install(tenant: CompiledTenant): void {
    const previousSlug = this.#slugById.get(tenant.id);
    this.#bySlug.set(tenant.slug, tenant);
    this.#slugById.set(tenant.id, tenant.slug);
    // A renamed tenant stops answering at its old slug.
    if (previousSlug !== undefined && previousSlug !== tenant.slug) {
      this.#bySlug.delete(previousSlug);
    }
  }

  remove(tenantId: string): void {
    const slug = this.#slugById.get(tenantId);
    if (slug !== undefined) {
      this.#bySlug.delete(slug);
      this.#slugById.delete(tenantId);
    }
  }

  all(): CompiledTenant[] {
    return [...this.#bySlug.values()];
  }
}
