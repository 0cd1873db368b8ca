"use client";

import { useEffect, useState } from "react";
import { ActionForm, type FormAction } from "@/components/action-form";
import { SubmitButton } from "@/components/submit-button";
import { type LiveRow, settled } from "@/lib/deployment-rows";

/**
 * Where the API is live, per environment, with the gateways' acks arriving as they happen:
 * the server render shows the state at load, then Server-Sent Events from the console's own
 * route keep it current until every gateway runs the deployment.
 */
export function DeploymentLive({
  apiId,
  initial,
  undeploy,
}: {
  apiId: string;
  initial: LiveRow[];
  undeploy?: FormAction | undefined;
}) {
  const [rows, setRows] = useState(initial);
  const [following, setFollowing] = useState(false);
  const initialKey = JSON.stringify(initial);

  useEffect(() => {
    const start: LiveRow[] = JSON.parse(initialKey);
    setRows(start);
    if (settled(start)) {
      return undefined;
    }
    const source = new EventSource(`/apis/${encodeURIComponent(apiId)}/deployments/events`);
    setFollowing(true);
    const stop = () => {
      source.close();
      setFollowing(false);
    };
    source.addEventListener("status", (e) => setRows(JSON.parse((e as MessageEvent<string>).data)));
    source.addEventListener("done", stop);
    source.addEventListener("problem", stop);
    // A dropped stream is not retried forever: the next page load starts a fresh one.
    source.onerror = stop;
    return stop;
  }, [apiId, initialKey]);

  if (rows.length === 0) {
    return <p className="empty-line">Not deployed to any environment.</p>;
  }
  return (
    <ul className="deploy-list" aria-live="polite" aria-busy={following || undefined}>
      {rows.map((r) => {
        const done = r.total > 0 && r.acked >= r.total;
        return (
          <li key={r.environment} className="deploy-row">
            <div className="deploy-main">
              <strong>{r.environment}</strong>
              <span className="muted">
                Revision {r.revisionNumber} · bundle v{r.bundleVersion}
              </span>
            </div>
            <div className="deploy-acks">
              <progress
                max={Math.max(r.total, 1)}
                value={r.acked}
                aria-label={`Gateways of ${r.environment} running the deployment`}
              />
              <span className={done ? "ack-done" : "ack-wait"}>
                {r.total === 0
                  ? "No live gateway yet"
                  : `${r.acked}/${r.total} gateways${r.ms !== null ? ` · ${Math.round(r.ms)} ms` : ""}`}
                {!done && following ? <span className="spinner" aria-hidden="true" /> : null}
              </span>
            </div>
            {undeploy ? (
              <ActionForm action={undeploy} className="form-inline" label={`Undeploy from ${r.environment}`}>
                <input type="hidden" name="environment" value={r.environment} />
                <SubmitButton pendingLabel="Undeploying…" className="btn btn-ghost btn-sm">
                  Undeploy<span className="visually-hidden"> from {r.environment}</span>
                </SubmitButton>
              </ActionForm>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}
