ALTER TABLE "xapi_statement_activities" DROP CONSTRAINT "xapi_statement_activities_tenant_id_tenants_id_fk";
--> statement-breakpoint
ALTER TABLE "xapi_statement_agents" DROP CONSTRAINT "xapi_statement_agents_tenant_id_tenants_id_fk";
