-- The product tables get the same treatment as 0001: FORCE RLS, and the application role may
-- use them (RLS then keeps tenants apart).
ALTER TABLE "products" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "product_revisions" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "product_deployments" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "products", "product_revisions", "product_deployments" TO portico_app;
