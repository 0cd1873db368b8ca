import type { Metadata } from "next";
import Link from "next/link";
import { requireArea } from "@/lib/access";
import { CreateApiForm, ImportApiForm } from "./forms";

export const metadata: Metadata = { title: "New API" };

export default async function NewApiPage() {
  await requireArea("publisher");
  return (
    <div className="page">
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link href="/apis">APIs</Link>
        <span aria-hidden="true">/</span>
        <span aria-current="page">New API</span>
      </nav>
      <div className="page-head">
        <div className="page-head-text">
          <h1>New API</h1>
          <p>Import an OpenAPI document to get every operation as a resource, or start from a name and an upstream.</p>
        </div>
      </div>
      <div className="two-up">
        <section className="card panel" aria-labelledby="import-title">
          <h2 id="import-title">Import an OpenAPI document</h2>
          <p className="panel-lead">
            OpenAPI 3.0 or 3.1, as JSON or YAML. The document&apos;s servers give the upstream unless you set one.
          </p>
          <ImportApiForm />
        </section>
        <section className="card panel" aria-labelledby="create-title">
          <h2 id="create-title">Define it by hand</h2>
          <p className="panel-lead">Resources, policies and the rest can be added on the API&apos;s page.</p>
          <CreateApiForm />
        </section>
      </div>
    </div>
  );
}
