import { requireArea } from "@/lib/access";
import { listDeployments } from "@/lib/cp-publisher";
import { type LiveRow, settled, toLiveRows } from "@/lib/deployment-rows";

export const dynamic = "force-dynamic";

/** How often the control plane is asked while gateways are still acking. */
const POLL_MS = 250;
/** A stream ends after this long even when a gateway never acks; the page shows where it stopped. */
const MAX_STREAM_MS = 60_000;

/**
 * Server-Sent Events with the live deployments of one API: a `status` event whenever the
 * gateways' acks change, then `done` once every gateway of every environment runs its
 * deployment. The browser never talks to the control plane: this handler polls it with the
 * session's token, server-side.
 */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { session } = await requireArea("publisher");
  const { id } = await params;
  const encoder = new TextEncoder();
  const started = Date.now();

  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (event: string, data: unknown) =>
        controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
      let last = "";
      try {
        while (!request.signal.aborted && Date.now() - started < MAX_STREAM_MS) {
          const result = await listDeployments(session.token, id);
          if (!result.ok) {
            send("problem", { title: result.error.title, status: result.error.status });
            break;
          }
          const rows: LiveRow[] = toLiveRows(result.value);
          const json = JSON.stringify(rows);
          if (json !== last) {
            last = json;
            send("status", rows);
          }
          if (settled(rows)) {
            break;
          }
          await new Promise((r) => setTimeout(r, POLL_MS));
        }
        send("done", {});
      } catch {
        // the browser went away mid-write: nothing to tell anyone
      } finally {
        try {
          controller.close();
        } catch {
          // already closed by a cancelled request
        }
      }
    },
  });

  return new Response(stream, {
    headers: {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache, no-transform",
      "X-Accel-Buffering": "no",
    },
  });
}
