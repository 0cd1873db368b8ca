-- Registration tokens get the same treatment as 0001: FORCE RLS, and the application role may
-- use them (RLS then keeps tenants apart).
ALTER TABLE "registration_tokens" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "registration_tokens" TO portico_app;
