/**
 * Ready-to-run calls of one operation through the gateway, in curl, JavaScript and Python.
 * Secrets stay placeholders read from the environment: snippets get copied into chats and
 * repositories.
 */

export type CredentialKind = "api-key" | "oauth";

export interface SnippetInput {
  method: string;
  /** Full gateway URL of the operation, path parameters filled or left as `{name}`. */
  url: string;
  credential: CredentialKind;
  body?: string | undefined;
  /** The tenant's token endpoint, for the OAuth variant. */
  tokenUrl: string;
}

const hasBody = (i: SnippetInput) => Boolean(i.body?.trim()) && !["GET", "HEAD"].includes(i.method);
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function curlSnippet(i: SnippetInput): string {
  const lines: string[] = [];
  if (i.credential === "oauth") {
    lines.push(
      `ACCESS_TOKEN=$(curl -s -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials ${shellQuote(i.tokenUrl)} \\`,
      `  | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')`,
      "",
    );
  }
  const call = [`curl -i -X ${i.method} ${shellQuote(i.url)}`];
  call.push(i.credential === "oauth" ? `-H "Authorization: Bearer $ACCESS_TOKEN"` : `-H "X-API-Key: $API_KEY"`);
  if (hasBody(i)) {
    call.push(`-H 'Content-Type: application/json'`, `-d ${shellQuote(i.body!.trim())}`);
  }
  return [...lines, call.join(" \\\n  ")].join("\n");
}

export function javascriptSnippet(i: SnippetInput): string {
  const lines: string[] = [];
  if (i.credential === "oauth") {
    lines.push(
      `const auth = Buffer.from(\`\${process.env.CLIENT_ID}:\${process.env.CLIENT_SECRET}\`).toString("base64");`,
      `const grant = await fetch(${JSON.stringify(i.tokenUrl)}, {`,
      `  method: "POST",`,
      `  headers: { Authorization: \`Basic \${auth}\` },`,
      `  body: new URLSearchParams({ grant_type: "client_credentials" }),`,
      `});`,
      `const { access_token } = await grant.json();`,
      "",
    );
  }
  const headers = [
    // biome-ignore lint/suspicious/noTemplateCurlyInString: this is JavaScript source text for the reader to run
    i.credential === "oauth" ? "Authorization: `Bearer ${access_token}`" : `"X-API-Key": process.env.API_KEY`,
  ];
  if (hasBody(i)) {
    headers.push(`"Content-Type": "application/json"`);
  }
  lines.push(`const res = await fetch(${JSON.stringify(i.url)}, {`, `  method: ${JSON.stringify(i.method)},`);
  lines.push(`  headers: { ${headers.join(", ")} },`);
  if (hasBody(i)) {
    lines.push(`  body: JSON.stringify(${i.body!.trim().replace(/\n/g, "\n  ")}),`);
  }
  lines.push(`});`, `console.log(res.status, await res.text());`);
  return lines.join("\n");
}

export function pythonSnippet(i: SnippetInput): string {
  const lines = ["import os", "import requests", ""];
  if (i.credential === "oauth") {
    lines.push(
      `grant = requests.post(${JSON.stringify(i.tokenUrl)},`,
      `    auth=(os.environ["CLIENT_ID"], os.environ["CLIENT_SECRET"]),`,
      `    data={"grant_type": "client_credentials"})`,
      `headers = {"Authorization": f"Bearer {grant.json()['access_token']}"}`,
    );
  } else {
    lines.push(`headers = {"X-API-Key": os.environ["API_KEY"]}`);
  }
  const args = [JSON.stringify(i.url), "headers=headers"];
  if (hasBody(i)) {
    // A JSON string literal is a valid Python one: the body goes out exactly as shown.
    lines.push(`headers["Content-Type"] = "application/json"`);
    args.push(`data=${JSON.stringify(i.body!.trim())}`);
  }
  lines.push(
    `res = requests.request(${JSON.stringify(i.method)}, ${args.join(", ")})`,
    "print(res.status_code, res.text)",
  );
  return lines.join("\n");
}
