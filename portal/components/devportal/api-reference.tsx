import type { Field, NamedSchema, Operation } from "@/lib/devportal/openapi";

/**
 * The API reference, rendered on the server from the OpenAPI document: operations with their
 * parameters, request bodies and responses, then the named schemas. No client script.
 */
export function ApiReference({ operations, schemas }: { operations: Operation[]; schemas: NamedSchema[] }) {
  if (operations.length === 0) {
    return (
      <p className="dp-muted">
        The publisher has not described this API&apos;s operations yet. Every path below the gateway URL is passed to
        the service; use the panel below to call one.
      </p>
    );
  }
  return (
    <div className="dp-reference">
      <ul className="dp-op-index" aria-label="Operations">
        {operations.map((op) => (
          <li key={op.key}>
            <a href={`#${anchor(op)}`}>
              <MethodBadge method={op.method} /> <code>{op.path}</code>
              {op.summary ? <span className="dp-muted"> {op.summary}</span> : null}
            </a>
          </li>
        ))}
      </ul>
      {operations.map((op) => (
        <article key={op.key} id={anchor(op)} className="dp-op" aria-labelledby={`${anchor(op)}-title`}>
          <h3 id={`${anchor(op)}-title`} className="dp-op-title">
            <MethodBadge method={op.method} /> <code>{op.path}</code>
          </h3>
          {op.summary ? <p className="dp-op-summary">{op.summary}</p> : null}
          {op.description && op.description !== op.summary ? <p className="dp-muted">{op.description}</p> : null}
          {op.parameters.length ? (
            <FieldTable
              caption="Parameters"
              fields={op.parameters}
              extra={(f) => ("in" in f ? String(f.in) : "")}
              extraHead="In"
            />
          ) : null}
          {op.requestBody ? (
            <div className="dp-op-block">
              <h4>
                Request body <span className="dp-muted">({op.requestBody.contentType})</span>
              </h4>
              {op.requestBody.fields.length ? (
                <FieldTable caption={`Fields of ${op.requestBody.type}`} fields={op.requestBody.fields} />
              ) : (
                <p>
                  <code>{op.requestBody.type}</code>
                </p>
              )}
            </div>
          ) : null}
          {op.responses.length ? (
            <div className="dp-op-block">
              <h4>Responses</h4>
              <ul className="dp-responses">
                {op.responses.map((r) => (
                  <li key={r.status}>
                    <span className={`dp-status dp-status-${r.status[0]}`}>{r.status}</span> {r.description}
                    {r.type ? (
                      <>
                        {" "}
                        <code>{r.type}</code>
                      </>
                    ) : null}
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
        </article>
      ))}
      {schemas.length ? (
        <section className="dp-schemas" aria-labelledby="schemas-title">
          <h3 id="schemas-title">Schemas</h3>
          {schemas.map((s) => (
            <div key={s.name} id={`schema-${s.name}`} className="dp-op">
              <h4>
                <code>{s.name}</code> <span className="dp-muted">{s.type}</span>
              </h4>
              {s.description ? <p className="dp-muted">{s.description}</p> : null}
              {s.fields.length ? <FieldTable caption={`Fields of ${s.name}`} fields={s.fields} /> : null}
            </div>
          ))}
        </section>
      ) : null}
    </div>
  );
}

const anchor = (op: Operation) => `op-${op.method.toLowerCase()}-${op.path.replace(/[^a-zA-Z0-9]+/g, "-")}`;

export function MethodBadge({ method }: { method: string }) {
  return <span className={`dp-method dp-method-${method.toLowerCase()}`}>{method}</span>;
}

function FieldTable<F extends Field>({
  caption,
  fields,
  extra,
  extraHead,
}: {
  caption: string;
  fields: F[];
  extra?: (f: F) => string;
  extraHead?: string;
}) {
  return (
    <div className="dp-table-wrap">
      <table className="dp-table">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            {extra ? <th scope="col">{extraHead}</th> : null}
            <th scope="col">Type</th>
            <th scope="col">Description</th>
          </tr>
        </thead>
        <tbody>
          {fields.map((f) => (
            <tr key={`${extra?.(f) ?? ""}${f.name}`}>
              <th scope="row">
                <code>{f.name}</code>
                {f.required ? <span className="dp-required"> required</span> : null}
              </th>
              {extra ? <td>{extra(f)}</td> : null}
              <td>
                <code>{f.type}</code>
              </td>
              <td>{f.description ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
