import { TierKind } from "@portico/shared";
import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { requireArea } from "@/lib/access";
import { isUnauthorized } from "@/lib/cp-client";
import { listTiers, type Tier } from "@/lib/cp-publisher";
import { sentence } from "@/lib/forms";
import { SESSION_EXPIRED_PATH } from "@/lib/session";
import { createTierAction, updateTierAction } from "./actions";
import { TierForm } from "./tier-form";

export const metadata: Metadata = { title: "Tiers" };

const KIND_LABEL: Record<Tier["kind"], { tab: string; meaning: string }> = {
  subscription: { tab: "Subscription", meaning: "What an application may send to one API it subscribed to." },
  application: { tab: "Application", meaning: "What one application may send across all its subscriptions." },
  api: { tab: "API", meaning: "What an API accepts in total, from everyone." },
};

const number = new Intl.NumberFormat("en");

/** Tiers (business plans) by kind; admins create and change them, publishers read them. */
export default async function TiersPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { session, member } = await requireArea("publisher");
  const kind = TierKind.catch("subscription").parse((await searchParams).kind);
  const result = await listTiers(session.token, kind);
  if (!result.ok && isUnauthorized(result.error)) {
    redirect(SESSION_EXPIRED_PATH);
  }
  const canEdit = member.permissions.includes("tiers:write");
  const tiers = result.ok ? result.value : [];

  return (
    <div className="page">
      <div className="page-head">
        <div className="page-head-text">
          <h1>Tiers</h1>
          <p>{KIND_LABEL[kind].meaning}</p>
        </div>
      </div>
      <nav aria-label="Tier kinds" className="section-nav">
        {TierKind.options.map((k) => (
          <Link key={k} href={`/tiers?kind=${k}`} aria-current={k === kind ? "page" : undefined}>
            {KIND_LABEL[k].tab}
          </Link>
        ))}
      </nav>
      {!canEdit ? (
        <p className="alert alert-info">Only admins create and change tiers; ask one of them for a new plan.</p>
      ) : null}
      {!result.ok ? (
        <div className="card problem-panel" role="alert">
          <h2>{result.error.title}</h2>
          {result.error.detail ? <p>{sentence(result.error.detail)}</p> : null}
        </div>
      ) : tiers.length === 0 ? (
        <p className="card panel empty-line">No {KIND_LABEL[kind].tab.toLowerCase()} tiers yet.</p>
      ) : (
        <ul className="tier-grid">
          {tiers.map((t) => (
            <li key={t.name} className="card panel tier-card">
              <h2>{t.name}</h2>
              <p className="tier-rate">{rate(t)}</p>
              <dl className="api-meta">
                <div>
                  <dt>Burst</dt>
                  <dd>{t.burst === null ? "—" : number.format(t.burst)}</dd>
                </div>
                <div>
                  <dt>Monthly quota</dt>
                  <dd>
                    {t.quotaPerMonth === null
                      ? "None"
                      : `${number.format(t.quotaPerMonth)}${t.stopOnQuota ? "" : " (overage billed)"}`}
                  </dd>
                </div>
              </dl>
              {t.description ? <p className="muted">{t.description}</p> : null}
              {canEdit ? (
                <details className="tier-edit">
                  <summary>Edit {t.name}</summary>
                  <TierForm action={updateTierAction.bind(null, t.name, kind)} tier={t} kind={kind} />
                </details>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {canEdit ? (
        <section className="card panel" aria-labelledby="new-tier-title">
          <h2 id="new-tier-title">New {KIND_LABEL[kind].tab.toLowerCase()} tier</h2>
          <TierForm action={createTierAction} kind={kind} />
        </section>
      ) : null}
    </div>
  );
}

function rate(t: Tier): string {
  return t.requests === null ? "No rate limit" : `${number.format(t.requests)} requests per ${t.unit}`;
}
