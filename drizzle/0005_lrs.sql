CREATE TABLE "lrs_credentials" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" text NOT NULL,
	"key" text NOT NULL,
	"secret_hash" text NOT NULL,
	"scope" text NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	"last_used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "xapi_activities" (
	"tenant_id" uuid NOT NULL,
	"activity_id" text NOT NULL,
	"definition" jsonb,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "xapi_activities_pkey" PRIMARY KEY("tenant_id","activity_id")
);
--> statement-breakpoint
CREATE TABLE "xapi_attachments" (
	"tenant_id" uuid NOT NULL,
	"sha2" text NOT NULL,
	"content_type" text NOT NULL,
	"length" integer NOT NULL,
	"content" "bytea" NOT NULL,
	CONSTRAINT "xapi_attachments_pkey" PRIMARY KEY("tenant_id","sha2")
);
--> statement-breakpoint
CREATE TABLE "xapi_documents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"activity_id" text DEFAULT '' NOT NULL,
	"agent_key" text DEFAULT '' NOT NULL,
	"registration" text DEFAULT '' NOT NULL,
	"document_id" text NOT NULL,
	"content_type" text NOT NULL,
	"content" "bytea" NOT NULL,
	"etag" text NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "xapi_statement_activities" (
	"tenant_id" uuid NOT NULL,
	"statement_seq" bigint NOT NULL,
	"activity_id" text NOT NULL,
	"direct" boolean NOT NULL,
	CONSTRAINT "xapi_statement_activities_pkey" PRIMARY KEY("tenant_id","activity_id","statement_seq","direct")
);
--> statement-breakpoint
CREATE TABLE "xapi_statement_agents" (
	"tenant_id" uuid NOT NULL,
	"statement_seq" bigint NOT NULL,
	"agent_key" text NOT NULL,
	"direct" boolean NOT NULL,
	CONSTRAINT "xapi_statement_agents_pkey" PRIMARY KEY("tenant_id","agent_key","statement_seq","direct")
);
--> statement-breakpoint
CREATE TABLE "xapi_statements" (
	"tenant_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "xapi_statements_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"stored" timestamp (3) with time zone NOT NULL,
	"timestamp" timestamp (3) with time zone NOT NULL,
	"verb_id" text NOT NULL,
	"voided" boolean DEFAULT false NOT NULL,
	"voids_id" uuid,
	"registration" uuid,
	"statement" jsonb NOT NULL,
	"attachment_hashes" jsonb DEFAULT '[]'::jsonb NOT NULL,
	CONSTRAINT "xapi_statements_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "lrs_credentials" ADD CONSTRAINT "lrs_credentials_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lrs_credentials" ADD CONSTRAINT "lrs_credentials_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "xapi_activities" ADD CONSTRAINT "xapi_activities_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "xapi_attachments" ADD CONSTRAINT "xapi_attachments_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "xapi_documents" ADD CONSTRAINT "xapi_documents_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "xapi_statement_activities" ADD CONSTRAINT "xapi_statement_activities_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "xapi_statement_agents" ADD CONSTRAINT "xapi_statement_agents_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "xapi_statements" ADD CONSTRAINT "xapi_statements_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "lrs_credentials_key_key" ON "lrs_credentials" USING btree ("key");--> statement-breakpoint
CREATE INDEX "lrs_credentials_tenant_created_idx" ON "lrs_credentials" USING btree ("tenant_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "xapi_documents_key" ON "xapi_documents" USING btree ("tenant_id","kind","activity_id","agent_key","registration","document_id");--> statement-breakpoint
CREATE INDEX "xapi_documents_tenant_kind_updated_idx" ON "xapi_documents" USING btree ("tenant_id","kind","activity_id","agent_key","registration","updated_at");--> statement-breakpoint
CREATE UNIQUE INDEX "xapi_statements_tenant_seq_key" ON "xapi_statements" USING btree ("tenant_id","seq");--> statement-breakpoint
CREATE INDEX "xapi_statements_tenant_verb_seq_idx" ON "xapi_statements" USING btree ("tenant_id","verb_id","seq");--> statement-breakpoint
CREATE INDEX "xapi_statements_tenant_registration_seq_idx" ON "xapi_statements" USING btree ("tenant_id","registration","seq") WHERE "xapi_statements"."registration" is not null;--> statement-breakpoint
CREATE INDEX "xapi_statements_tenant_stored_idx" ON "xapi_statements" USING btree ("tenant_id","stored");