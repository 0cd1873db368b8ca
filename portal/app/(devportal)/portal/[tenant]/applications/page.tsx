import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { CreateApplicationForm, SecretMaker, SubscribeForm } from "@/components/devportal/application-forms";
import { applications, catalog, subscriptions, tiers } from "@/lib/devportal/client";
import { portalSession } from "@/lib/devportal/session";
import { SESSION_EXPIRED_PATH } from "@/lib/session";
import { createApplicationAction, createSecretAction, subscribeAction } from "../actions";

export const metadata: Metadata = { title: "Applications" };

type Props = {
  params: Promise<{ tenant: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

const STATUS_TEXT: Record<string, string> = {
  ACTIVE: "Active",
  PENDING: "Waiting for approval",
  BLOCKED: "Blocked",
  REJECTED: "Rejected",
};

/** The developer's applications: create one, subscribe it to APIs, get its keys and secrets. */
export default async function ApplicationsPage({ params, searchParams }: Props) {
  const { tenant } = await params;
  const sp = await searchParams;
  const base = `/portal/${tenant}`;
  const session = await portalSession(tenant);
  const wanted = typeof sp.subscribe === "string" ? sp.subscribe : "";
  if (!session) {
    redirect(`${base}/login?next=${encodeURIComponent(`${base}/applications${wanted ? `?subscribe=${wanted}` : ""}`)}`);
  }
  const [apps, subs, apis, tierList] = await Promise.all([
    applications(session.token),
    subscriptions(session.token),
    catalog(tenant, {}),
    tiers(session.token),
  ]);
  if (!apps.ok && apps.error.status === 401) {
    redirect(SESSION_EXPIRED_PATH);
  }
  const apiById = new Map((apis.ok ? apis.value : []).map((a) => [a.id, a]));
  const open = (apis.ok ? apis.value : []).filter((a) => a.status === "PUBLISHED");
  const tierOptions = (tierList.ok ? tierList.value : []).map((t) => ({
    name: t.name,
    label: t.requestsPerMinute
      ? `${t.name} (${t.requestsPerMinute.toLocaleString("en")} requests/min)`
      : `${t.name} (no limit)`,
  }));
  const wantedApi = wanted ? apiById.get(wanted) : undefined;

  return (
    <div className="dp-apps">
      <div className="dp-page-head">
        <h1>Applications</h1>
        <p className="dp-muted">
          An application holds the credentials your code calls APIs with. Subscribe it to an API, then create an API key
          or an OAuth client.
        </p>
      </div>

      {wantedApi ? (
        <p className="alert alert-info">
          <span>
            Subscribing to <strong>{wantedApi.name}</strong>: choose an application below, or create one first.
          </span>
        </p>
      ) : null}

      {!apps.ok ? (
        <div className="alert alert-error" role="alert">
          <p className="alert-title">{apps.error.title}</p>
          {apps.error.detail ? <p>{apps.error.detail}</p> : null}
        </div>
      ) : (
        <>
          {apps.value.length === 0 ? (
            <section className="card dp-empty" aria-labelledby="no-apps">
              <h2 id="no-apps">No applications yet</h2>
              <p>Create your first application to get credentials.</p>
            </section>
          ) : (
            <ul className="dp-app-list">
              {apps.value.map((app) => {
                const mine = (subs.ok ? subs.value : []).filter((s) => s.applicationId === app.id);
                const subscribed = new Set(mine.map((s) => s.apiId));
                return (
                  <li key={app.id} id={`app-${app.id}`} className="card dp-app">
                    <h2 className="dp-app-name">{app.name}</h2>
                    <h3 className="dp-subhead">Subscriptions</h3>
                    {mine.length ? (
                      <ul className="dp-subs">
                        {mine.map((s) => {
                          const api = s.apiId === undefined ? undefined : apiById.get(s.apiId);
                          return (
                            <li key={s.id}>
                              {api ? (
                                <Link href={`${base}/apis/${api.id}`}>
                                  {api.name} {api.version}
                                </Link>
                              ) : (
                                "An API no longer in the catalog"
                              )}
                              <span className="dp-chip">{s.tier}</span>
                              <span className={`dp-sub-status dp-sub-${s.status.toLowerCase()}`}>
                                {STATUS_TEXT[s.status] ?? s.status}
                              </span>
                            </li>
                          );
                        })}
                      </ul>
                    ) : (
                      <p className="dp-muted">Not subscribed to any API yet.</p>
                    )}
                    <SubscribeForm
                      tenant={tenant}
                      applicationId={app.id}
                      applicationName={app.name}
                      apis={open
                        .filter((a) => !subscribed.has(a.id))
                        .map((a) => ({ id: a.id, label: `${a.name} ${a.version}` }))}
                      tiers={tierOptions}
                      preselect={wanted}
                      action={subscribeAction}
                    />
                    <h3 className="dp-subhead">Credentials</h3>
                    <div className="dp-secret-makers">
                      <SecretMaker
                        tenant={tenant}
                        applicationId={app.id}
                        applicationName={app.name}
                        kind="api-key"
                        action={createSecretAction}
                      />
                      <SecretMaker
                        tenant={tenant}
                        applicationId={app.id}
                        applicationName={app.name}
                        kind="oauth"
                        action={createSecretAction}
                      />
                    </div>
                  </li>
                );
              })}
            </ul>
          )}
          <section className="card dp-new-app" aria-labelledby="new-app">
            <h2 id="new-app">New application</h2>
            <CreateApplicationForm tenant={tenant} subscribe={wanted} action={createApplicationAction} />
          </section>
        </>
      )}
    </div>
  );
}
