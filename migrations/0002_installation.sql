CREATE TABLE "installation" (
	"installation_id" text PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
