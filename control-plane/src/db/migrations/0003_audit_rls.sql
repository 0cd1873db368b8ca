ALTER TABLE "audit_events" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
GRANT SELECT, INSERT ON "audit_events" TO portico_app;
