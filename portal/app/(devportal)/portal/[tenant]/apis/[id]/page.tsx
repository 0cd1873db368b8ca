import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { CopyButton } from "@/components/copy-button";
import { ApiReference } from "@/components/devportal/api-reference";
import { Feedback } from "@/components/devportal/feedback";
import { Markdown } from "@/components/devportal/markdown";
import { OperationConsole } from "@/components/devportal/operation-console";
import { RatingSummary } from "@/components/devportal/rating-summary";
import { StatusBadge } from "@/components/status-badge";
import {
  catalogApi,
  catalogComments,
  catalogDocs,
  catalogOpenApi,
  gatewayEndpoint,
  myRating,
} from "@/lib/devportal/client";
import { operationsOf, schemasOf } from "@/lib/devportal/openapi";
import { portalSession } from "@/lib/devportal/session";
import { consoleEnv } from "@/lib/env";
import { commentAction, deleteCommentAction, rateAction, tryItAction } from "../../actions";

type Props = {
  params: Promise<{ tenant: string; id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { tenant, id } = await params;
  const api = await catalogApi(tenant, id);
  return { title: api.ok ? `${api.value.name} ${api.value.version}` : "API" };
}

/** One catalog API: overview, documentation pages, reference, try-it with code, and feedback. */
export default async function ApiPage({ params, searchParams }: Props) {
  const { tenant, id } = await params;
  const { rated } = await searchParams;
  const [api, doc, pages, comments, session] = await Promise.all([
    catalogApi(tenant, id),
    catalogOpenApi(tenant, id),
    catalogDocs(tenant, id),
    catalogComments(tenant, id),
    portalSession(tenant),
  ]);
  if (!api.ok) {
    if (api.error.status === 404 || api.error.status === 400) {
      notFound();
    }
    throw new Error(api.error.title);
  }
  const a = api.value;
  const mine = session ? await myRating(session.token, id) : null;
  const operations = doc.ok ? operationsOf(doc.value) : [];
  const schemas = doc.ok ? schemasOf(doc.value) : [];
  const endpoint = gatewayEndpoint(a, tenant);
  const base = `/portal/${tenant}`;
  const tokenUrl = `${consoleEnv().cpUrl}/t/${tenant}/oauth2/token`;
  const canFeedback = session ? session.role === "developer" || session.role === "admin" : false;

  return (
    <article className="dp-api" aria-labelledby="api-title">
      <nav aria-label="Breadcrumb" className="dp-breadcrumb">
        <Link href={base}>APIs</Link> <span aria-hidden="true">/</span> <span aria-current="page">{a.name}</span>
      </nav>
      <header className="dp-api-head">
        <div className="dp-api-title-row">
          <h1 id="api-title">{a.name}</h1>
          <span className="dp-version">{a.version}</span>
          {a.status === "DEPRECATED" ? <StatusBadge status={a.status} /> : null}
        </div>
        {a.description ? <p className="dp-lead">{a.description}</p> : null}
        <div className="dp-api-meta">
          <RatingSummary average={a.rating.average} count={a.rating.count} />
          {a.tags.length ? (
            <ul className="dp-chip-list" aria-label="Tags">
              {a.tags.map((t) => (
                <li key={t}>
                  <Link className="dp-chip" href={`${base}?tag=${encodeURIComponent(t)}`}>
                    {t}
                  </Link>
                </li>
              ))}
            </ul>
          ) : null}
        </div>
        {a.status === "DEPRECATED" ? (
          <p className="alert alert-info">
            This API is deprecated{a.sunsetAt ? ` and ends on ${a.sunsetAt.slice(0, 10)}` : ""}: it takes no new
            subscriptions.
          </p>
        ) : null}
        {endpoint ? (
          <div className="dp-endpoint">
            <span className="dp-endpoint-label">Gateway URL</span>
            <code className="code-inline">{endpoint}</code>
            <CopyButton value={endpoint} label="gateway URL" />
          </div>
        ) : (
          <p className="dp-muted">Not deployed to a gateway yet.</p>
        )}
        <div className="dp-actions">
          {a.status === "PUBLISHED" ? (
            <Link
              className="btn btn-primary"
              href={
                session
                  ? `${base}/applications?subscribe=${a.id}`
                  : `${base}/login?next=${encodeURIComponent(`${base}/applications?subscribe=${a.id}`)}`
              }
            >
              Subscribe
            </Link>
          ) : null}
          <a className="btn btn-secondary" href={`${base}/apis/${a.id}/postman`} download>
            Postman collection
          </a>
        </div>
      </header>

      <nav aria-label="On this page" className="dp-toc">
        {pages.ok && pages.value.length ? <a href="#docs">Documentation</a> : null}
        <a href="#reference">Reference</a>
        <a href="#try">Try it</a>
        <a href="#feedback">Ratings and comments</a>
      </nav>

      {pages.ok && pages.value.length ? (
        <section id="docs" className="dp-section" aria-labelledby="docs-title">
          <h2 id="docs-title">Documentation</h2>
          {pages.value.map((p) => (
            <section key={p.id} id={`doc-${p.slug}`} className="card dp-doc" aria-labelledby={`doc-${p.slug}-title`}>
              <h3 id={`doc-${p.slug}-title`}>{p.title}</h3>
              <Markdown source={p.body} />
            </section>
          ))}
        </section>
      ) : null}

      <section id="reference" className="dp-section" aria-labelledby="reference-title">
        <h2 id="reference-title">Reference</h2>
        <ApiReference operations={operations} schemas={schemas} />
      </section>

      <section id="try" className="dp-section" aria-labelledby="try-title">
        <h2 id="try-title">Try it and code</h2>
        <OperationConsole
          tenant={tenant}
          apiId={a.id}
          endpoint={endpoint}
          tokenUrl={tokenUrl}
          signedIn={Boolean(session)}
          tryIt={tryItAction}
          operations={operations.map((o) => ({
            key: o.key,
            method: o.method,
            path: o.path,
            ...(o.summary ? { summary: o.summary } : {}),
            ...(o.requestBody?.example ? { example: o.requestBody.example } : {}),
          }))}
        />
      </section>

      <Feedback
        tenant={tenant}
        apiId={a.id}
        comments={comments.ok ? comments.value : []}
        mine={mine?.ok ? mine.value.mine : null}
        signedIn={Boolean(session)}
        canWrite={canFeedback}
        userId={session?.userId ?? null}
        isAdmin={session?.role === "admin"}
        rated={rated === "1" ? "saved" : rated === "0" ? "failed" : null}
        loginHref={`${base}/login?next=${encodeURIComponent(`${base}/apis/${a.id}#feedback`)}`}
        actions={{ rate: rateAction, comment: commentAction, remove: deleteCommentAction }}
      />
    </article>
  );
}
