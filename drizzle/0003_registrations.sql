CREATE TABLE "registrations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"course_id" uuid NOT NULL,
	"course_version_id" uuid NOT NULL,
	"completion_status" text DEFAULT 'not attempted' NOT NULL,
	"success_status" text DEFAULT 'unknown' NOT NULL,
	"score_scaled" real,
	"score_raw" real,
	"score_min" real,
	"score_max" real,
	"total_time_seconds" double precision DEFAULT 0 NOT NULL,
	"last_item_identifier" text,
	"first_accessed_at" timestamp with time zone,
	"last_accessed_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"sequencing_state" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sco_attempts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"registration_id" uuid NOT NULL,
	"item_identifier" text NOT NULL,
	"attempt_number" integer DEFAULT 1 NOT NULL,
	"cmi" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"completion_status" text DEFAULT 'not attempted' NOT NULL,
	"success_status" text DEFAULT 'unknown' NOT NULL,
	"score_scaled" real,
	"score_raw" real,
	"score_min" real,
	"score_max" real,
	"total_time_seconds" double precision DEFAULT 0 NOT NULL,
	"location" text,
	"exit" text,
	"suspend_data" text,
	"runtime_session" uuid,
	"last_sequence" integer DEFAULT 0 NOT NULL,
	"terminated_at" timestamp with time zone,
	"last_committed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "registrations" ADD CONSTRAINT "registrations_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registrations" ADD CONSTRAINT "registrations_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registrations" ADD CONSTRAINT "registrations_course_id_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."courses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registrations" ADD CONSTRAINT "registrations_course_version_id_course_versions_id_fk" FOREIGN KEY ("course_version_id") REFERENCES "public"."course_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sco_attempts" ADD CONSTRAINT "sco_attempts_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sco_attempts" ADD CONSTRAINT "sco_attempts_registration_id_registrations_id_fk" FOREIGN KEY ("registration_id") REFERENCES "public"."registrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "registrations_tenant_user_course_key" ON "registrations" USING btree ("tenant_id","user_id","course_id");--> statement-breakpoint
CREATE INDEX "registrations_tenant_course_accessed_idx" ON "registrations" USING btree ("tenant_id","course_id","last_accessed_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "registrations_tenant_user_accessed_idx" ON "registrations" USING btree ("tenant_id","user_id","last_accessed_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "sco_attempts_registration_item_attempt_key" ON "sco_attempts" USING btree ("registration_id","item_identifier","attempt_number");