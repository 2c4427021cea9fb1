CREATE TABLE "events" (
	"id" text PRIMARY KEY NOT NULL,
	"seq" bigserial NOT NULL,
	"platform" text NOT NULL,
	"room" text NOT NULL,
	"origin" bigint NOT NULL,
	"type" text NOT NULL,
	"uid" text,
	"event_time" bigint NOT NULL,
	"received_at" bigint NOT NULL,
	"paid" boolean NOT NULL,
	"price_normalized" double precision DEFAULT 0 NOT NULL,
	"data" jsonb NOT NULL,
	CONSTRAINT "events_seq_unique" UNIQUE("seq")
);
--> statement-breakpoint
CREATE INDEX "events_room_time_idx" ON "events" USING btree ("platform","room","event_time");--> statement-breakpoint
CREATE INDEX "events_room_paid_time_idx" ON "events" USING btree ("platform","room","event_time") WHERE "events"."paid";--> statement-breakpoint
CREATE INDEX "events_received_at_idx" ON "events" USING btree ("received_at");