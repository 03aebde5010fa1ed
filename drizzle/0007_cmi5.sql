ALTER TYPE "public"."scorm_standard" ADD VALUE 'cmi5';--> statement-breakpoint
CREATE TABLE "cmi5_node_states" (
	"tenant_id" uuid NOT NULL,
	"registration_id" uuid NOT NULL,
	"node_id" text NOT NULL,
	"completed" boolean DEFAULT false NOT NULL,
	"passed" boolean DEFAULT false NOT NULL,
	"failed" boolean DEFAULT false NOT NULL,
	"score_scaled" real,
	"waived_reason" text,
	"satisfied_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cmi5_node_states_registration_id_node_id_pk" PRIMARY KEY("registration_id","node_id")
);
--> statement-breakpoint
CREATE TABLE "cmi5_sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"registration_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"au_index" integer NOT NULL,
	"au_activity_id" text NOT NULL,
	"launch_mode" text NOT NULL,
	"actor" jsonb NOT NULL,
	"state" text DEFAULT 'launched' NOT NULL,
	"verbs" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"fetch_key_hash" text,
	"fetched_at" timestamp with time zone,
	"auth_secret_hash" text,
	"launch_url" text,
	"preferences_read_at" timestamp with time zone,
	"launched_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_activity_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "cmi5_node_states" ADD CONSTRAINT "cmi5_node_states_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cmi5_node_states" ADD CONSTRAINT "cmi5_node_states_registration_id_registrations_id_fk" FOREIGN KEY ("registration_id") REFERENCES "public"."registrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cmi5_sessions" ADD CONSTRAINT "cmi5_sessions_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cmi5_sessions" ADD CONSTRAINT "cmi5_sessions_registration_id_registrations_id_fk" FOREIGN KEY ("registration_id") REFERENCES "public"."registrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cmi5_sessions" ADD CONSTRAINT "cmi5_sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "cmi5_node_states_tenant_registration_idx" ON "cmi5_node_states" USING btree ("tenant_id","registration_id");--> statement-breakpoint
CREATE INDEX "cmi5_sessions_tenant_registration_idx" ON "cmi5_sessions" USING btree ("tenant_id","registration_id","launched_at");