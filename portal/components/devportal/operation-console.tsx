"use client";

import { type KeyboardEvent, useId, useRef, useState, useTransition } from "react";
import { CopyButton } from "@/components/copy-button";
import {
  type CredentialKind,
  curlSnippet,
  javascriptSnippet,
  pythonSnippet,
  type SnippetInput,
} from "@/lib/devportal/snippets";
import type { TryItOutcome, TryItRequest } from "@/lib/devportal/try-it";

export interface ConsoleOperation {
  key: string;
  method: string;
  path: string;
  summary?: string;
  example?: string;
}

interface Props {
  tenant: string;
  apiId: string;
  /** The API's gateway URL, or null when it is not deployed. */
  endpoint: string | null;
  tokenUrl: string;
  operations: ConsoleOperation[];
  signedIn: boolean;
  tryIt: (input: TryItRequest) => Promise<TryItOutcome>;
}

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
const LANGUAGES = [
  { id: "curl", label: "curl", render: curlSnippet },
  { id: "js", label: "JavaScript", render: javascriptSnippet },
  { id: "python", label: "Python", render: pythonSnippet },
] as const;

/**
 * Try-it and code snippets for one chosen operation. The call itself runs on the console
 * server (a Server Action): the browser only ever holds the developer's own credential.
 */
export function OperationConsole({ tenant, apiId, endpoint, tokenUrl, operations, signedIn, tryIt }: Props) {
  const first = operations[0];
  const [opKey, setOpKey] = useState(first?.key ?? "");
  const [method, setMethod] = useState(first?.method ?? "GET");
  const [path, setPath] = useState(first?.path ?? "/");
  const [body, setBody] = useState(first?.example ?? "");
  const [credential, setCredential] = useState<CredentialKind>("api-key");
  const [apiKey, setApiKey] = useState("");
  const [clientId, setClientId] = useState("");
  const [clientSecret, setClientSecret] = useState("");
  const [outcome, setOutcome] = useState<TryItOutcome | null>(null);
  const [pending, startTransition] = useTransition();
  const [language, setLanguage] = useState<(typeof LANGUAGES)[number]["id"]>("curl");
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);
  const id = useId();
  const withBody = method !== "GET" && method !== "HEAD";

  const choose = (key: string) => {
    setOpKey(key);
    const op = operations.find((o) => o.key === key);
    if (op) {
      setMethod(op.method);
      setPath(op.path);
      setBody(op.example ?? "");
      setOutcome(null);
    }
  };

  const snippet: SnippetInput = {
    method,
    url: `${endpoint ?? "https://gateway.example"}${path.startsWith("/") ? path : `/${path}`}`,
    credential,
    body: withBody ? body : undefined,
    tokenUrl,
  };
  const activeLanguage = LANGUAGES.find((l) => l.id === language) ?? LANGUAGES[0];
  const code = activeLanguage.render(snippet);

  const onTabKey = (e: KeyboardEvent<HTMLButtonElement>, index: number) => {
    const delta = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
    const target =
      e.key === "Home"
        ? 0
        : e.key === "End"
          ? LANGUAGES.length - 1
          : (index + delta + LANGUAGES.length) % LANGUAGES.length;
    if (delta || e.key === "Home" || e.key === "End") {
      e.preventDefault();
      setLanguage(LANGUAGES[target]!.id);
      tabs.current[target]?.focus();
    }
  };

  const send = () =>
    startTransition(async () => {
      setOutcome(
        await tryIt({
          tenant,
          apiId,
          method,
          path,
          body: withBody ? body : "",
          credential:
            credential === "oauth" ? { kind: "oauth", clientId, clientSecret } : { kind: "api-key", key: apiKey },
        }),
      );
    });

  return (
    <div className="dp-console">
      <form
        className="card dp-try"
        aria-labelledby={`${id}-try`}
        onSubmit={(e) => {
          e.preventDefault();
          send();
        }}
      >
        <h3 id={`${id}-try`}>Try it</h3>
        {operations.length ? (
          <div className="dp-field">
            <label htmlFor={`${id}-op`}>Operation</label>
            <select id={`${id}-op`} value={opKey} onChange={(e) => choose(e.target.value)}>
              {operations.map((o) => (
                <option key={o.key} value={o.key}>
                  {o.key}
                  {o.summary ? ` — ${o.summary}` : ""}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <div className="dp-request-line">
          <div className="dp-field dp-field-method">
            <label htmlFor={`${id}-method`}>Method</label>
            <select id={`${id}-method`} value={method} onChange={(e) => setMethod(e.target.value)}>
              {METHODS.map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          </div>
          <div className="dp-field dp-field-grow">
            <label htmlFor={`${id}-path`}>Path and query</label>
            <input
              id={`${id}-path`}
              value={path}
              onChange={(e) => setPath(e.target.value)}
              spellCheck={false}
              autoCapitalize="none"
              aria-describedby={`${id}-base`}
            />
            <p id={`${id}-base`} className="field-hint">
              Below <code className="code-inline">{endpoint ?? "(not deployed)"}</code>
            </p>
          </div>
        </div>
        {withBody ? (
          <div className="dp-field">
            <label htmlFor={`${id}-body`}>Body (JSON)</label>
            <textarea
              id={`${id}-body`}
              rows={5}
              value={body}
              onChange={(e) => setBody(e.target.value)}
              spellCheck={false}
            />
          </div>
        ) : null}
        <fieldset className="dp-fieldset">
          <legend>Credential</legend>
          <div className="dp-radios">
            <label>
              <input
                type="radio"
                name={`${id}-cred`}
                checked={credential === "api-key"}
                onChange={() => setCredential("api-key")}
              />{" "}
              Use an API key
            </label>
            <label>
              <input
                type="radio"
                name={`${id}-cred`}
                checked={credential === "oauth"}
                onChange={() => setCredential("oauth")}
              />{" "}
              Use OAuth client credentials
            </label>
          </div>
          {credential === "api-key" ? (
            <div className="dp-field">
              <label htmlFor={`${id}-key`}>API key</label>
              <input
                id={`${id}-key`}
                type="password"
                value={apiKey}
                onChange={(e) => setApiKey(e.target.value)}
                autoComplete="off"
                spellCheck={false}
              />
            </div>
          ) : (
            <div className="dp-request-line">
              <div className="dp-field dp-field-grow">
                <label htmlFor={`${id}-cid`}>Client id</label>
                <input
                  id={`${id}-cid`}
                  value={clientId}
                  onChange={(e) => setClientId(e.target.value)}
                  autoComplete="off"
                  spellCheck={false}
                />
              </div>
              <div className="dp-field dp-field-grow">
                <label htmlFor={`${id}-secret`}>Client secret</label>
                <input
                  id={`${id}-secret`}
                  type="password"
                  value={clientSecret}
                  onChange={(e) => setClientSecret(e.target.value)}
                  autoComplete="off"
                  spellCheck={false}
                />
              </div>
            </div>
          )}
          <p className="field-hint">
            Keys and secrets of your applications are shown once, when you create them. They go to this console&apos;s
            server for this one call and are not stored.
          </p>
        </fieldset>
        <div className="dp-actions">
          <button
            type="submit"
            className="btn btn-primary"
            disabled={pending || !signedIn || !endpoint}
            aria-busy={pending || undefined}
          >
            {pending ? <span className="spinner" aria-hidden="true" /> : null}
            {pending ? "Sending…" : "Send request"}
          </button>
          {!signedIn ? <span className="dp-muted">Sign in to call the API from here.</span> : null}
        </div>
        <div aria-live="polite" className="dp-result-region">
          {outcome ? <Result outcome={outcome} /> : null}
        </div>
      </form>

      <section className="card dp-snippets" aria-labelledby={`${id}-code`}>
        <div className="dp-snippets-head">
          <h3 id={`${id}-code`}>Code</h3>
          <div role="tablist" aria-label="Language" className="dp-tabs">
            {LANGUAGES.map((l, i) => (
              <button
                key={l.id}
                ref={(el) => {
                  tabs.current[i] = el;
                }}
                type="button"
                role="tab"
                id={`${id}-tab-${l.id}`}
                aria-selected={language === l.id}
                aria-controls={`${id}-panel`}
                tabIndex={language === l.id ? 0 : -1}
                className="dp-tab"
                onClick={() => setLanguage(l.id)}
                onKeyDown={(e) => onTabKey(e, i)}
              >
                {l.label}
              </button>
            ))}
          </div>
        </div>
        <div role="tabpanel" id={`${id}-panel`} aria-labelledby={`${id}-tab-${language}`} className="dp-code-panel">
          {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (WCAG 2.1.1) */}
          <pre className="code-block dp-code" tabIndex={0}>
            <code>{code}</code>
          </pre>
          <CopyButton value={code} label={`${activeLanguage.label} snippet`} />
        </div>
      </section>
    </div>
  );
}

function Result({ outcome }: { outcome: TryItOutcome }) {
  if (!outcome.ok) {
    return (
      <div className="alert alert-error dp-result">
        <p className="alert-title">The request was not sent</p>
        <p>{outcome.error}</p>
      </div>
    );
  }
  const r = outcome.response;
  return (
    <div className="dp-result">
      <p className="dp-result-line">
        <span className={`dp-status dp-status-${String(r.status)[0]}`} data-testid="try-status">
          {r.status}
        </span>{" "}
        {r.statusText} <span className="dp-muted">· {r.latencyMs} ms</span>
      </p>
      <details className="dp-headers">
        <summary>Response headers ({r.headers.length})</summary>
        <dl>
          {r.headers.map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
      </details>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (WCAG 2.1.1) */}
      <pre className="code-block dp-code" tabIndex={0}>
        <code>{pretty(r.body) || "(empty body)"}</code>
      </pre>
      {r.truncated ? <p className="dp-muted">The body is cut at 64 KiB.</p> : null}
    </div>
  );
}

function pretty(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}
