// "An organisation needs at least one active owner" must hold when two owners remove each other at the same
// moment (issue 10, finding 3: on Postgres 5 of 10 tenants were left with no active owner).
import { and, eq } from 'drizzle-orm';
import t from 'tap';
import { users } from '../../../src/db/schema/index.js';
import { apiToken, bearer, browser, csrfFrom, buildTestApp, createTenant, type TestTenant } from '../../helpers/build-app.js';

const ctx = await buildTestApp();
t.teardown(() => ctx.close());
const { app } = ctx;

/** A tenant whose admin has been made a second owner by the first. */
async function tenantWithTwoOwners(): Promise<TestTenant> {
  const tenant = await createTenant(app);
  const promote = await app.inject({
    method: 'PATCH',
    url: `/api/users/${tenant.admin.id}`,
    headers: bearer(await apiToken(app, tenant.owner.email)),
    payload: { role: 'owner' },
  });
  if (promote.statusCode !== 200) throw new Error(`could not promote: ${promote.body}`);
  return tenant;
}

/** A signed-in owner looking at another user's page, ready to submit its form. */
async function ownerOnPageOf(email: string, userId: string) {
  const owner = await browser(app, { email });
  const page = await owner.get(`/admin/users/${userId}`);
  const csrf = csrfFrom(page.body);
  return { submit: (form: Record<string, string>) => owner.post(`/admin/users/${userId}`, form, { csrf }) };
}

async function activeOwners(tenantId: string) {
  const rows = await app.db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.tenantId, tenantId), eq(users.role, 'owner'), eq(users.isActive, true)));
  return rows.length;
}

const succeeded = (status: number) => status === 200 || status === 303;
const refused = (status: number) => status >= 400 && status < 500;

t.test('two owners removing each other at the same moment leave every tenant with an active owner', async (t) => {
  const tenants = await Promise.all(Array.from({ length: 10 }, () => tenantWithTwoOwners()));

  // Each pair of owners signs in first, so that the two removals below start together.
  const pairs = await Promise.all(
    tenants.map(async (tenant, i) => {
      const [first, second] = [tenant.owner, tenant.admin];
      // Half the tenants demote through the JSON API, half deactivate through the user page's form, and in one
      // the form demotes while the other deactivates, so every route that can remove an owner is raced.
      if (i % 2 === 0) {
        const [a, b] = await Promise.all([apiToken(app, first.email), apiToken(app, second.email)]);
        const demote = (token: string, target: string) => () =>
          app.inject({ method: 'PATCH', url: `/api/users/${target}`, headers: bearer(token), payload: { role: 'learner' } });
        return { tenant, requests: [demote(a, second.id), demote(b, first.id)] };
      }
      // Each owner opens the other's page, as they would before submitting its form.
      const [a, b] = await Promise.all([ownerOnPageOf(first.email, second.id), ownerOnPageOf(second.email, first.id)]);
      const target: Record<string, string> = i === 9 ? { role: 'author' } : { isActive: 'false' };
      return { tenant, requests: [() => a.submit(target), () => b.submit({ isActive: 'false' })] };
    }),
  );

  const results = await Promise.all(pairs.map(({ requests }) => Promise.all(requests.map((send) => send()))));

  for (const [i, { tenant }] of pairs.entries()) {
    const statuses = results[i]!.map((r) => r.statusCode);
    t.ok((await activeOwners(tenant.id)) >= 1, `tenant ${i} still has an active owner (answers ${statuses.join(', ')})`);
    t.equal(statuses.filter(succeeded).length, 1, `tenant ${i}: one removal goes through`);
    t.equal(statuses.filter(refused).length, 1, `tenant ${i}: the other is refused with a 4xx`);
    const refusal = results[i]!.find((r) => refused(r.statusCode));
    t.match(refusal?.body, /no longer manage users|at least one active owner/, `tenant ${i}: the refusal says why`);
  }
});

t.test('one after the other, the owner demoted first can no longer remove the other', async (t) => {
  const tenant = await tenantWithTwoOwners();
  const [a, b] = await Promise.all([apiToken(app, tenant.owner.email), apiToken(app, tenant.admin.email)]);
  const first = await app.inject({ method: 'PATCH', url: `/api/users/${tenant.admin.id}`, headers: bearer(a), payload: { role: 'learner' } });
  t.equal(first.statusCode, 200);
  // The second owner's token was issued while they were an owner; each request reads their role afresh.
  const second = await app.inject({ method: 'PATCH', url: `/api/users/${tenant.owner.id}`, headers: bearer(b), payload: { role: 'learner' } });
  t.equal(second.statusCode, 403, 'a demoted owner can no longer manage users');
  t.equal(await activeOwners(tenant.id), 1);
});
