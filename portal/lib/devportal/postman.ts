import { operationsOf } from "./openapi";

/**
 * A Postman collection (format v2.1) of an API's operations at its gateway URL. The API key
 * is a collection variable left empty: Postman users paste their own.
 */
export function postmanCollection(doc: Record<string, unknown>, name: string, baseUrl: string) {
  const info = (doc.info ?? {}) as { description?: string; version?: string };
  return {
    info: {
      name,
      description: info.description ?? `${name} through the Portico gateway`,
      schema: "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
    },
    auth: {
      type: "apikey",
      apikey: [
        { key: "key", value: "X-API-Key", type: "string" },
        { key: "value", value: "{{apiKey}}", type: "string" },
        { key: "in", value: "header", type: "string" },
      ],
    },
    variable: [
      { key: "baseUrl", value: baseUrl, type: "string" },
      { key: "apiKey", value: "", type: "string" },
    ],
    item: operationsOf(doc).map((op) => {
      const segments = op.path
        .split("/")
        .filter(Boolean)
        .map((s) => s.replace(/^\{(.+)\}$/, ":$1"));
      const query = op.parameters.filter((p) => p.in === "query");
      const pathVars = op.parameters.filter((p) => p.in === "path");
      const raw = `{{baseUrl}}/${segments.join("/")}${query.length ? `?${query.map((q) => `${q.name}=`).join("&")}` : ""}`;
      return {
        name: op.summary ?? op.key,
        request: {
          method: op.method,
          header: op.requestBody ? [{ key: "Content-Type", value: op.requestBody.contentType }] : [],
          url: {
            raw,
            host: ["{{baseUrl}}"],
            path: segments,
            ...(query.length ? { query: query.map((q) => ({ key: q.name, value: "", disabled: !q.required })) } : {}),
            ...(pathVars.length ? { variable: pathVars.map((v) => ({ key: v.name, value: "" })) } : {}),
          },
          ...(op.requestBody?.example
            ? { body: { mode: "raw", raw: op.requestBody.example, options: { raw: { language: "json" } } } }
            : {}),
          ...(op.description ? { description: op.description } : {}),
        },
      };
    }),
  };
}
