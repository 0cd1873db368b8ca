/** A timestamp as a `<time>`: UTC text on the server, so the render is the same everywhere. */
export function Timestamp({ iso }: { iso: string | null | undefined }) {
  if (!iso) {
    return <span className="muted">—</span>;
  }
  const date = new Date(iso);
  const text = Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  return <time dateTime={iso}>{text}</time>;
}
