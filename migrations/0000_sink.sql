CREATE TABLE "dead_letters" (
	"payment_id" text NOT NULL,
	"event_id" text NOT NULL,
	"version" integer NOT NULL,
	"status" text NOT NULL,
	"reason" text NOT NULL,
	"stage" text NOT NULL,
	"error_class" text NOT NULL,
	"error_message" text NOT NULL,
	"attempts" integer NOT NULL,
	"source" jsonb NOT NULL,
	"message" jsonb,
	"first_failed_at" timestamp with time zone NOT NULL,
	"last_failed_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "dead_letters_payment_id_event_id_pk" PRIMARY KEY("payment_id","event_id")
);
--> statement-breakpoint
CREATE TABLE "fraud_decisions" (
	"decision_id" text PRIMARY KEY NOT NULL,
	"payment_id" text NOT NULL,
	"event_id" text,
	"decision" text NOT NULL,
	"score" integer NOT NULL,
	"rules_fired" jsonb NOT NULL,
	"shadow_rules_fired" jsonb NOT NULL,
	"attributes" jsonb NOT NULL,
	"origin" text NOT NULL,
	"note" text,
	"decided_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ledger_accounts" (
	"account" text NOT NULL,
	"currency" text NOT NULL,
	"debits_pending" bigint DEFAULT 0 NOT NULL,
	"debits_posted" bigint DEFAULT 0 NOT NULL,
	"credits_pending" bigint DEFAULT 0 NOT NULL,
	"credits_posted" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "ledger_accounts_account_currency_pk" PRIMARY KEY("account","currency")
);
--> statement-breakpoint
CREATE TABLE "ledger_journals" (
	"journal_id" text PRIMARY KEY NOT NULL,
	"payment_id" text NOT NULL,
	"event_id" text NOT NULL,
	"currency" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ledger_transfers" (
	"transfer_id" text PRIMARY KEY NOT NULL,
	"journal_id" text NOT NULL,
	"payment_id" text NOT NULL,
	"debit_account" text NOT NULL,
	"credit_account" text NOT NULL,
	"currency" text NOT NULL,
	"amount" bigint NOT NULL,
	"kind" text NOT NULL,
	"pending_id" text,
	"pending_amount" bigint NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payment_events" (
	"event_id" text NOT NULL,
	"payment_id" text NOT NULL,
	"type" text NOT NULL,
	"sequence" integer,
	"occurred_at" timestamp with time zone NOT NULL,
	"applied_at" timestamp with time zone NOT NULL,
	"version" integer NOT NULL,
	"source" jsonb NOT NULL,
	"event" jsonb NOT NULL,
	CONSTRAINT "payment_events_payment_id_event_id_pk" PRIMARY KEY("payment_id","event_id")
);
--> statement-breakpoint
CREATE TABLE "payments" (
	"payment_id" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"currency" text,
	"merchant_id" text,
	"customer_id" text,
	"amount_authorized" bigint NOT NULL,
	"amount_captured" bigint NOT NULL,
	"amount_refunded" bigint NOT NULL,
	"amount_disputed" bigint NOT NULL,
	"amount_fees" bigint NOT NULL,
	"fraud_decision" text,
	"version" integer NOT NULL,
	"revision" integer NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "dead_letters_reason_last_failed" ON "dead_letters" USING btree ("reason","last_failed_at");--> statement-breakpoint
CREATE INDEX "dead_letters_status_last_failed" ON "dead_letters" USING btree ("status","last_failed_at");--> statement-breakpoint
CREATE INDEX "dead_letters_last_failed" ON "dead_letters" USING btree ("last_failed_at");--> statement-breakpoint
CREATE INDEX "fraud_decisions_payment" ON "fraud_decisions" USING btree ("payment_id");--> statement-breakpoint
CREATE INDEX "ledger_journals_payment" ON "ledger_journals" USING btree ("payment_id");--> statement-breakpoint
CREATE INDEX "ledger_transfers_journal" ON "ledger_transfers" USING btree ("journal_id");--> statement-breakpoint
CREATE INDEX "ledger_transfers_payment" ON "ledger_transfers" USING btree ("payment_id");--> statement-breakpoint
CREATE INDEX "payment_events_payment_version" ON "payment_events" USING btree ("payment_id","version");