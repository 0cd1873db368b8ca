import { catalogApi, catalogOpenApi, gatewayEndpoint } from "@/lib/devportal/client";
import { postmanCollection } from "@/lib/devportal/postman";

/** The API as a Postman collection (v2.1) at its gateway URL, as a download. */
export async function GET(_req: Request, { params }: { params: Promise<{ tenant: string; id: string }> }) {
  const { tenant, id } = await params;
  const [api, doc] = await Promise.all([catalogApi(tenant, id), catalogOpenApi(tenant, id)]);
  if (!api.ok || !doc.ok) {
    const problem = api.ok ? (doc.ok ? null : doc.error) : api.error;
    return Response.json(problem, {
      status: problem?.status ?? 502,
      headers: { "content-type": "application/problem+json" },
    });
  }
  const baseUrl = gatewayEndpoint(api.value, tenant) ?? "";
  const file = `${api.value.context.replace(/\W+/g, "-")}-${api.value.version}.postman_collection.json`;
  return new Response(
    JSON.stringify(postmanCollection(doc.value, `${api.value.name} ${api.value.version}`, baseUrl), null, 2),
    {
      headers: {
        "content-type": "application/json; charset=utf-8",
        "content-disposition": `attachment; filename="${file}"`,
        "cache-control": "no-store",
      },
    },
  );
}
