CREATE TABLE "analytics_export_batches" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"exporter_id" uuid NOT NULL,
	"events" jsonb NOT NULL,
	"status" varchar(12) DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "analytics_export_batches" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "analytics_exporters" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" varchar(100) NOT NULL,
	"kind" varchar(10) NOT NULL,
	"url" text NOT NULL,
	"secret_header" varchar(100),
	"secret_sealed" text,
	"enabled" boolean DEFAULT true NOT NULL,
	"last_delivered_at" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "analytics_exporters" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "analytics_rollups" (
	"tenant_id" uuid NOT NULL,
	"granularity" varchar(6) NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"environment" varchar(64) NOT NULL,
	"gateway_id" varchar(128) NOT NULL,
	"api_id" uuid,
	"product_id" uuid,
	"application_id" uuid,
	"resource" text NOT NULL,
	"status_class" smallint NOT NULL,
	"count" integer NOT NULL,
	"latency_sum" double precision NOT NULL,
	"latency_max" double precision NOT NULL,
	"bytes_in" bigint NOT NULL,
	"bytes_out" bigint NOT NULL,
	"histogram" integer[] NOT NULL,
	CONSTRAINT "analytics_rollups_key" UNIQUE NULLS NOT DISTINCT("tenant_id","granularity","bucket","environment","gateway_id","api_id","product_id","application_id","resource","status_class")
);
--> statement-breakpoint
ALTER TABLE "analytics_rollups" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "analytics_export_batches" ADD CONSTRAINT "analytics_export_batches_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_export_batches" ADD CONSTRAINT "analytics_export_batches_exporter_id_analytics_exporters_id_fk" FOREIGN KEY ("exporter_id") REFERENCES "public"."analytics_exporters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_exporters" ADD CONSTRAINT "analytics_exporters_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_rollups" ADD CONSTRAINT "analytics_rollups_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "analytics_export_batches_due_idx" ON "analytics_export_batches" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "analytics_export_batches" AS PERMISSIVE FOR ALL TO "portico_app" USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "analytics_exporters" AS PERMISSIVE FOR ALL TO "portico_app" USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "analytics_rollups" AS PERMISSIVE FOR ALL TO "portico_app" USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);