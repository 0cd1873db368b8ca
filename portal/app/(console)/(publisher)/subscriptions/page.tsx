import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { ActionForm } from "@/components/action-form";
import { SubmitButton } from "@/components/submit-button";
import { requireArea } from "@/lib/access";
import { isUnauthorized, listApis } from "@/lib/cp-client";
import { getApplication, listSubscriptions } from "@/lib/cp-publisher";
import { sentence } from "@/lib/forms";
import { SESSION_EXPIRED_PATH } from "@/lib/session";
import { decideSubscriptionAction } from "./actions";

export const metadata: Metadata = { title: "Subscriptions" };

const dateTime = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

/** Subscriptions waiting for a publisher: APIs with approval on hold new ones as PENDING. */
export default async function SubscriptionsPage() {
  const { session, member } = await requireArea("publisher");
  const [pending, apis] = await Promise.all([listSubscriptions(session.token, "PENDING"), listApis(session.token)]);
  if (!pending.ok && isUnauthorized(pending.error)) {
    redirect(SESSION_EXPIRED_PATH);
  }
  const canDecide = member.permissions.includes("subscriptions:manage");
  const apiName = new Map((apis.ok ? apis.value : []).map((a) => [a.id, `${a.name} ${a.version}`]));
  const list = pending.ok ? pending.value : [];
  const appIds = [...new Set(list.map((s) => s.applicationId))];
  const apps = await Promise.all(appIds.map((id) => getApplication(session.token, id)));
  const appName = new Map(appIds.map((id, i) => [id, apps[i]?.ok ? apps[i].value.name : id]));

  return (
    <div className="page">
      <div className="page-head">
        <div className="page-head-text">
          <h1>Subscriptions</h1>
          <p>
            {list.length
              ? `${list.length} waiting for approval`
              : "Requests to use APIs that need a publisher's approval."}
          </p>
        </div>
      </div>
      {!pending.ok ? (
        <div className="card problem-panel" role="alert">
          <h2>{pending.error.title}</h2>
          {pending.error.detail ? <p>{sentence(pending.error.detail)}</p> : null}
        </div>
      ) : list.length === 0 ? (
        <section className="card empty" aria-labelledby="none-title">
          <div className="empty-head">
            <h2 id="none-title">Nothing to approve</h2>
            <p>
              When an API asks for approval (its overview&apos;s &ldquo;New subscriptions wait for approval&rdquo;),
              developers&apos; subscriptions wait here until you approve or reject them.
            </p>
          </div>
        </section>
      ) : (
        <ul className="plain-list card panel">
          {list.map((s) => {
            const target = s.apiId ? (apiName.get(s.apiId) ?? s.apiId) : `product ${s.productId ?? ""}`;
            const label = `${appName.get(s.applicationId)} to ${target}`;
            return (
              <li key={s.id} className="list-row sub-row">
                <div className="sub-main">
                  <strong>{appName.get(s.applicationId)}</strong>
                  <span>
                    wants {s.apiId ? <Link href={`/apis/${s.apiId}`}>{target}</Link> : target} on tier{" "}
                    <strong>{s.tier}</strong>
                  </span>
                  <time className="muted" dateTime={s.createdAt}>
                    {dateTime.format(new Date(s.createdAt))} UTC
                  </time>
                </div>
                {canDecide ? (
                  <div className="button-row">
                    {(["approve", "reject"] as const).map((decision) => (
                      <ActionForm
                        key={decision}
                        action={decideSubscriptionAction}
                        className="form-inline"
                        label={`${decision === "approve" ? "Approve" : "Reject"} ${label}`}
                      >
                        <input type="hidden" name="id" value={s.id} />
                        <input type="hidden" name="decision" value={decision} />
                        <SubmitButton
                          pendingLabel="Saving…"
                          className={decision === "approve" ? "btn btn-primary btn-sm" : "btn btn-ghost btn-sm"}
                        >
                          {decision === "approve" ? "Approve" : "Reject"}
                          <span className="visually-hidden"> {label}</span>
                        </SubmitButton>
                      </ActionForm>
                    ))}
                  </div>
                ) : null}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
