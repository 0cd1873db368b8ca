-- The developer portal's tables get the same treatment as 0001: FORCE RLS, and the
-- application role may use them (RLS then keeps tenants apart).
ALTER TABLE "api_docs" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "api_ratings" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "api_comments" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "api_docs", "api_ratings", "api_comments" TO portico_app;
