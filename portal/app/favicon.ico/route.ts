/**
 * Browsers still probe `/favicon.ico` now and then (Chromium does while a page swaps its head
 * after a Server Action redirect); send them to the console's SVG icon instead of a 404. The
 * Location is relative: behind a proxy the request's own URL may name an internal host.
 */
export function GET(): Response {
  return new Response(null, { status: 308, headers: { Location: "/icon.svg" } });
}
