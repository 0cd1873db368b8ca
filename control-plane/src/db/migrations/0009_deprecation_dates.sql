ALTER TABLE "apis" ADD COLUMN "deprecated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "apis" ADD COLUMN "sunset_at" timestamp with time zone;