ALTER TABLE "analytics_rollups" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "analytics_exporters" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "analytics_export_batches" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "analytics_rollups", "analytics_exporters", "analytics_export_batches" TO portico_app;
--> statement-breakpoint
-- Latency histograms add up bucket by bucket; arrays may differ in length (trailing zero
-- buckets are not stored).
CREATE FUNCTION portico_histogram_add(a integer[], b integer[]) RETURNS integer[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ select coalesce(array_agg(coalesce(x, 0) + coalesce(y, 0) order by i), '{}') from unnest(a, b) with ordinality as h(x, y, i) $$;--> statement-breakpoint
CREATE AGGREGATE portico_histogram_sum(integer[]) (SFUNC = portico_histogram_add, STYPE = integer[], INITCOND = '{}');
