import Link from "next/link";

/** An unknown portal or an API that is not in the catalog. */
export default function PortalNotFound() {
  return (
    <main id="main" className="container dp-main">
      <section className="card dp-empty">
        <h1>Not found</h1>
        <p>There is no such portal or API, or it is not published.</p>
        <Link href="/" className="btn btn-secondary btn-sm">
          Go home
        </Link>
      </section>
    </main>
  );
}
