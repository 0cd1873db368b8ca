DROP INDEX "tiers_tenant_name_key";--> statement-breakpoint
ALTER TABLE "apis" ADD COLUMN "upstream_group" jsonb;--> statement-breakpoint
ALTER TABLE "apis" ADD COLUMN "tier" varchar(60);--> statement-breakpoint
ALTER TABLE "applications" ADD COLUMN "tier" varchar(60) DEFAULT 'Unlimited' NOT NULL;--> statement-breakpoint
ALTER TABLE "tiers" ADD COLUMN "kind" varchar(20) DEFAULT 'subscription' NOT NULL;--> statement-breakpoint
ALTER TABLE "tiers" ADD COLUMN "requests" integer;--> statement-breakpoint
ALTER TABLE "tiers" ADD COLUMN "unit" varchar(10) DEFAULT 'minute' NOT NULL;--> statement-breakpoint
ALTER TABLE "tiers" ADD COLUMN "quota_per_month" integer;--> statement-breakpoint
ALTER TABLE "tiers" ADD COLUMN "stop_on_quota" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "tiers" ADD COLUMN "description" text;--> statement-breakpoint
CREATE UNIQUE INDEX "tiers_tenant_kind_name_key" ON "tiers" USING btree ("tenant_id","kind","name");--> statement-breakpoint
UPDATE "tiers" SET "requests" = "requests_per_minute";--> statement-breakpoint
ALTER TABLE "tiers" DROP COLUMN "requests_per_minute";--> statement-breakpoint
INSERT INTO "tiers" ("tenant_id", "kind", "name", "requests", "unit", "description", "created_at")
SELECT t."id", d."kind", d."name", d."requests", 'minute', d."description", now() + (d."n" || ' milliseconds')::interval
FROM "tenants" t CROSS JOIN (VALUES
  ('application', 'Unlimited', NULL::integer, 'No limit across the application''s subscriptions', 0),
  ('application', '50PerMin', 50, 'At most 50 requests a minute across all APIs', 1),
  ('application', '20PerMin', 20, 'At most 20 requests a minute across all APIs', 2),
  ('application', '10PerMin', 10, 'At most 10 requests a minute across all APIs', 3),
  ('api', 'Unlimited', NULL::integer, 'No cap on the API', 4),
  ('api', '50KPerMin', 50000, 'The API serves at most 50,000 requests a minute', 5),
  ('api', '20KPerMin', 20000, 'The API serves at most 20,000 requests a minute', 6),
  ('api', '10KPerMin', 10000, 'The API serves at most 10,000 requests a minute', 7)
) AS d("kind", "name", "requests", "description", "n")
ON CONFLICT DO NOTHING;--> statement-breakpoint
CREATE POLICY "environments_update" ON "environments" AS PERMISSIVE FOR UPDATE TO "portico_app" USING ("environments"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK ("environments"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid);
