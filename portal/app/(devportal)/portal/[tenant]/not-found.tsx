import Link from "next/link";

/** An API that is not in this portal's catalog (never published, or retired). */
export default function ApiNotFound() {
  return (
    <section className="card dp-empty">
      <h1>Not in the catalog</h1>
      <p>This API does not exist here, or it is not published.</p>
      <Link href="." className="btn btn-secondary btn-sm">
        Back to the catalog
      </Link>
    </section>
  );
}
