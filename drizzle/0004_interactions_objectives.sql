CREATE TABLE "sco_interactions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"course_id" uuid NOT NULL,
	"registration_id" uuid NOT NULL,
	"attempt_id" uuid NOT NULL,
	"session" text DEFAULT '' NOT NULL,
	"position" integer NOT NULL,
	"interaction_id" text NOT NULL,
	"type" text,
	"description" text,
	"learner_response" text,
	"correct_responses" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"result" text,
	"weighting" real,
	"latency_seconds" double precision,
	"timestamp" text,
	"objective_ids" jsonb DEFAULT '[]'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sco_objectives" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"course_id" uuid NOT NULL,
	"registration_id" uuid NOT NULL,
	"attempt_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"objective_id" text NOT NULL,
	"success_status" text,
	"completion_status" text,
	"score_scaled" real,
	"score_raw" real,
	"score_min" real,
	"score_max" real,
	"progress_measure" real
);
--> statement-breakpoint
ALTER TABLE "sco_interactions" ADD CONSTRAINT "sco_interactions_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sco_interactions" ADD CONSTRAINT "sco_interactions_course_id_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."courses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sco_interactions" ADD CONSTRAINT "sco_interactions_registration_id_registrations_id_fk" FOREIGN KEY ("registration_id") REFERENCES "public"."registrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sco_interactions" ADD CONSTRAINT "sco_interactions_attempt_id_sco_attempts_id_fk" FOREIGN KEY ("attempt_id") REFERENCES "public"."sco_attempts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sco_objectives" ADD CONSTRAINT "sco_objectives_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sco_objectives" ADD CONSTRAINT "sco_objectives_course_id_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."courses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sco_objectives" ADD CONSTRAINT "sco_objectives_registration_id_registrations_id_fk" FOREIGN KEY ("registration_id") REFERENCES "public"."registrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sco_objectives" ADD CONSTRAINT "sco_objectives_attempt_id_sco_attempts_id_fk" FOREIGN KEY ("attempt_id") REFERENCES "public"."sco_attempts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "sco_interactions_attempt_session_position_key" ON "sco_interactions" USING btree ("attempt_id","session","position");--> statement-breakpoint
CREATE INDEX "sco_interactions_tenant_course_interaction_idx" ON "sco_interactions" USING btree ("tenant_id","course_id","interaction_id");--> statement-breakpoint
CREATE INDEX "sco_interactions_tenant_registration_idx" ON "sco_interactions" USING btree ("tenant_id","registration_id");--> statement-breakpoint
CREATE UNIQUE INDEX "sco_objectives_attempt_position_key" ON "sco_objectives" USING btree ("attempt_id","position");--> statement-breakpoint
CREATE INDEX "sco_objectives_tenant_course_objective_idx" ON "sco_objectives" USING btree ("tenant_id","course_id","objective_id");--> statement-breakpoint
CREATE INDEX "sco_objectives_tenant_registration_idx" ON "sco_objectives" USING btree ("tenant_id","registration_id");