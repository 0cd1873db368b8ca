import Link from "next/link";

/**
 * First-run guidance: create the first API here (import or form), or with the REST API,
 * whose exact calls the empty state shows for scripts and CI.
 */
export function EmptyApis({ cpUrl, gatewayUrl, tenant }: { cpUrl: string; gatewayUrl: string; tenant: string }) {
  const login = [
    `curl -s ${cpUrl}/api/v1/login \\`,
    `  -H 'content-type: application/json' \\`,
    `  -d '{"tenant":"${tenant}","email":"you@example.com","password":"…"}'`,
  ].join("\n");
  const create = [
    `curl -s ${cpUrl}/api/v1/apis \\`,
    `  -H "authorization: Bearer $TOKEN" \\`,
    `  -H 'content-type: application/json' \\`,
    `  -d '{"name":"Pets","context":"pets","version":"v1",`,
    `       "upstream":{"url":"https://pets.internal.example"}}'`,
  ].join("\n");

  return (
    <section className="card empty" aria-labelledby="empty-title">
      <div className="empty-head">
        <div className="empty-icon" aria-hidden="true">
          <svg
            aria-hidden="true"
            width="22"
            height="22"
            viewBox="0 0 24 24"
            fill="none"
            stroke="currentColor"
            strokeWidth="2"
            strokeLinecap="round"
            strokeLinejoin="round"
          >
            <path d="M4 7h16M4 12h10M4 17h7" />
            <path d="M18 15v6M15 18h6" />
          </svg>
        </div>
        <h2 id="empty-title">No APIs yet</h2>
        <p>
          An API maps a context and version on your gateways to an upstream service. Import an OpenAPI document or
          define one by hand; scripts can use the control-plane REST API below.
        </p>
        <p>
          <Link href="/apis/new" className="btn btn-primary">
            Create your first API
          </Link>
        </p>
      </div>
      <ol className="steps">
        <li>
          <div className="step-body">
            <p>
              Get a console token (the response&apos;s <code className="code-inline">accessToken</code>):
            </p>
            <pre className="code-block">{login}</pre>
          </div>
        </li>
        <li>
          <div className="step-body">
            <p>Create the API, pointing it at your service:</p>
            <pre className="code-block">{create}</pre>
          </div>
        </li>
        <li>
          <div className="step-body">
            <p>
              Publish it and deploy a revision to an environment. It then answers at{" "}
              <code className="code-inline">
                {gatewayUrl}/t/{tenant}/pets/v1/
              </code>
            </p>
          </div>
        </li>
      </ol>
    </section>
  );
}
