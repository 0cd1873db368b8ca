-- FORCE makes row-level security apply to the table owner too, so only superusers and
-- BYPASSRLS roles (the control plane's own system tasks) see across tenants.
ALTER TABLE "tenants" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "users" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "issuer_keys" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "environments" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tiers" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "apis" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "revisions" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "deployments" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "bundle_versions" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "outbox" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "applications" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "oauth_clients" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "api_keys" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "subscriptions" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "key_managers" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "external_clients" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "gateway_bundles" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "deployment_acks" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "analytics_events" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON
  "tenants", "users", "issuer_keys", "environments", "tiers", "apis", "revisions", "deployments",
  "bundle_versions", "outbox", "applications", "oauth_clients", "api_keys", "subscriptions",
  "key_managers", "external_clients", "gateway_bundles", "deployment_acks", "analytics_events"
  TO portico_app;--> statement-breakpoint
-- Gateways are platform-wide rows without tenant data; tenants read them through their
-- environments. Signing keys and platform secrets stay out of the application role's reach.
GRANT SELECT ON "gateways" TO portico_app;--> statement-breakpoint
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO portico_app;
