CREATE TABLE "rooms" (
	"id" text PRIMARY KEY NOT NULL,
	"platform" text NOT NULL,
	"key" text NOT NULL,
	"label" text,
	"enabled" boolean DEFAULT true NOT NULL,
	"on_demand" boolean DEFAULT false NOT NULL,
	"added_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	"holder" text,
	"lease_expires" timestamp with time zone,
	"status" jsonb
);
--> statement-breakpoint
CREATE INDEX "rooms_holder_idx" ON "rooms" USING btree ("holder");