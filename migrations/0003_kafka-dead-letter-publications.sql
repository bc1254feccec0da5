CREATE TABLE "kafka_dead_letter_publications" (
	"payment_id" text NOT NULL,
	"event_id" text NOT NULL,
	"version" integer NOT NULL,
	"topic" text NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	CONSTRAINT "kafka_dead_letter_publications_payment_id_event_id_version_pk" PRIMARY KEY("payment_id","event_id","version")
);
