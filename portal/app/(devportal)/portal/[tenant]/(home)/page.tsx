import Link from "next/link";
import { RatingSummary } from "@/components/devportal/rating-summary";
import { StatusBadge } from "@/components/status-badge";
import { catalog, catalogTags, portalInfo } from "@/lib/devportal/client";

type Props = {
  params: Promise<{ tenant: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

const one = (v: string | string[] | undefined) => (typeof v === "string" ? v.trim().slice(0, 100) : "");

/** The catalog: every published or deprecated API of the tenant, searchable by text and tag. */
export default async function CatalogPage({ params, searchParams }: Props) {
  const { tenant } = await params;
  const sp = await searchParams;
  const q = one(sp.q);
  const tag = one(sp.tag).toLowerCase();
  const [info, apis, tags] = await Promise.all([portalInfo(tenant), catalog(tenant, { q, tag }), catalogTags(tenant)]);
  const base = `/portal/${tenant}`;
  const name = info.ok ? info.value.tenant.name : tenant;
  const filtered = Boolean(q || tag);
  const tagHref = (t: string) => `${base}?${new URLSearchParams({ ...(q ? { q } : {}), ...(t ? { tag: t } : {}) })}`;

  return (
    <div className="dp-catalog">
      <section className="dp-hero" aria-labelledby="catalog-title">
        <h1 id="catalog-title">{name} APIs</h1>
        <p>Find an API, read its reference, subscribe an application and call it through the gateway.</p>
        <form className="dp-search" action={base} aria-label="Search the catalog">
          <label htmlFor="catalog-q" className="visually-hidden">
            Search APIs
          </label>
          <input
            id="catalog-q"
            name="q"
            type="search"
            defaultValue={q}
            placeholder="Search by name, path or description"
          />
          {tag ? <input type="hidden" name="tag" value={tag} /> : null}
          <button type="submit" className="btn btn-primary">
            Search
          </button>
        </form>
      </section>

      {tags.ok && tags.value.length > 0 ? (
        <nav className="dp-tags" aria-label="Filter by tag">
          <Link href={tagHref("")} className="dp-tag" aria-current={tag ? undefined : "true"}>
            All
          </Link>
          {tags.value.map((t) => (
            <Link
              key={t.tag}
              href={tagHref(t.tag)}
              className="dp-tag"
              aria-current={t.tag === tag ? "true" : undefined}
            >
              {t.tag} <span className="dp-tag-count">{t.apis}</span>
            </Link>
          ))}
        </nav>
      ) : null}

      {!apis.ok ? (
        <div className="alert alert-error" role="alert">
          <p className="alert-title">{apis.error.title}</p>
          {apis.error.detail ? <p>{apis.error.detail}</p> : null}
        </div>
      ) : apis.value.length === 0 ? (
        <section className="card dp-empty" aria-labelledby="empty-title">
          <h2 id="empty-title">{filtered ? "No API matches" : "No APIs published yet"}</h2>
          <p>
            {filtered
              ? "Try other words, or clear the filters."
              : "When this organisation publishes an API, it appears here."}
          </p>
          {filtered ? (
            <Link href={base} className="btn btn-secondary btn-sm">
              Clear filters
            </Link>
          ) : null}
        </section>
      ) : (
        <>
          <p className="dp-count" role="status">
            {apis.value.length} {apis.value.length === 1 ? "API" : "APIs"}
            {filtered ? " found" : ""}
          </p>
          <ul className="dp-grid">
            {apis.value.map((api) => (
              <li key={api.id} className="card dp-api-card">
                <div className="dp-api-card-head">
                  <h2>
                    <Link className="dp-api-card-link" href={`${base}/apis/${api.id}`}>
                      {api.name}
                    </Link>
                  </h2>
                  <span className="dp-version">{api.version}</span>
                  {api.status === "DEPRECATED" ? <StatusBadge status={api.status} /> : null}
                </div>
                <p className="dp-api-desc">{api.description || `/${api.context}/${api.version}`}</p>
                <div className="dp-api-card-foot">
                  <RatingSummary average={api.rating.average} count={api.rating.count} />
                  {api.tags.length ? (
                    <ul className="dp-chip-list" aria-label="Tags">
                      {api.tags.map((t) => (
                        <li key={t} className="dp-chip">
                          {t}
                        </li>
                      ))}
                    </ul>
                  ) : null}
                </div>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
