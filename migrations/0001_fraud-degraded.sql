ALTER TABLE "fraud_decisions" ADD COLUMN "degraded" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "fraud_decisions" ADD COLUMN "degraded_reason" text;