import { PROBLEM_CONTENT_TYPE, problem } from "@portico/shared";
import { consoleEnv } from "@/lib/env";

/**
 * Readiness (ARCHITECTURE §7): the console is configured and can serve pages. It does not
 * probe the control plane: taking every console replica out of rotation while the control
 * plane restarts would only swap a clear error page for a connection refused.
 */
export const dynamic = "force-dynamic";

export function GET(): Response {
  try {
    consoleEnv();
  } catch (error) {
    const detail = error instanceof Error ? error.message : "invalid configuration";
    return new Response(JSON.stringify(problem("not-ready", detail)), {
      status: 503,
      headers: { "Content-Type": PROBLEM_CONTENT_TYPE, "Cache-Control": "no-store" },
    });
  }
  return Response.json({ status: "ok" }, { headers: { "Cache-Control": "no-store" } });
}
