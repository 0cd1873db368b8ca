-- The key manager's tables get the same treatment as 0001: FORCE RLS, and the application
-- role may use them (RLS then keeps tenants apart).
ALTER TABLE "refresh_tokens" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "revoked_tokens" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "authorization_codes" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "refresh_tokens", "revoked_tokens", "authorization_codes" TO portico_app;
