// Demo data: the "Acme Learning" tenant with one user per role, and a platform operator. Runs on the first start of
// an empty embedded database and from `npm run seed`; never on a database that already has tenants, and never with
// the well-known demo password in production (random passwords are generated and printed once instead). It sits with
// the command-line entry points, above the modules: it writes the rows directly through their queries because it
// makes what no service allows (a platform operator, one known password for everyone) in one locked transaction.
import { randomBytes } from 'node:crypto';
import { count } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { tenants, type UserRole } from '../db/schema/index.js';
import { hashPassword } from '../lib/passwords.js';
import { insertUser } from '../modules/accounts/accounts.queries.js';
import { insertTenant } from '../modules/operator/operator.queries.js';

export const DEMO_PASSWORD = 'sun-scorm-demo';

export const DEMO_USERS: { email: string; displayName: string; role: UserRole }[] = [
  { email: 'owner@acme.test', displayName: 'Olivia Owner', role: 'owner' },
  { email: 'admin@acme.test', displayName: 'Adam Admin', role: 'admin' },
  { email: 'author@acme.test', displayName: 'Ava Author', role: 'author' },
  { email: 'learner@acme.test', displayName: 'Leo Learner', role: 'learner' },
  { email: 'learner2@acme.test', displayName: 'Lena Learner', role: 'learner' },
  { email: 'operator@sun-scorm.test', displayName: 'Platform Operator', role: 'operator' },
];

export type SeedResult =
  | { seeded: false; reason: string }
  | { seeded: true; tenantId: string; credentials: { email: string; password: string; role: UserRole }[] };

export async function seedDemoData(db: Db, { production }: { production: boolean }): Promise<SeedResult> {
  return db.transaction(async (tx) => {
    // Serialise concurrent seeders (two processes starting on one fresh database).
    await tx.execute('select pg_advisory_xact_lock(7346210002)');
    const [existing] = await tx.select({ value: count() }).from(tenants);
    if ((existing?.value ?? 0) > 0) return { seeded: false, reason: 'the database already has tenants' } as const;

    const tenant = await insertTenant(tx, { name: 'Acme Learning', slug: 'acme', domain: null });
    const credentials = [];
    const sharedHash = production ? null : await hashPassword(DEMO_PASSWORD);
    for (const user of DEMO_USERS) {
      const password = production ? randomBytes(12).toString('base64url') : DEMO_PASSWORD;
      const passwordHash = sharedHash ?? (await hashPassword(password));
      await insertUser(tx, { ...user, tenantId: user.role === 'operator' ? null : tenant.id, passwordHash });
      credentials.push({ email: user.email, password, role: user.role });
    }
    return { seeded: true, tenantId: tenant.id, credentials } as const;
  });
}

/**
 * The demo logins as a short plain block for a person reading the terminal (not log lines): where to go (when a
 * server is running), then one line per user. Shown once, when the demo data is created.
 */
export function demoLoginsText(credentials: { email: string; password: string; role: UserRole }[], appUrl: string | null): string {
  const where = appUrl ? `Open ${appUrl.replace(/\/+$/, '')}/ and sign in with:` : 'Sign in with:';
  const width = (key: 'email' | 'password') => Math.max(...credentials.map((c) => c[key].length)) + 2;
  const lines = credentials.map((c) => `  ${c.email.padEnd(width('email'))}${c.password.padEnd(width('password'))}${c.role}`);
  const random = credentials.some((c) => c.password !== DEMO_PASSWORD);
  return [
    `Created the demo tenant "Acme Learning". ${where}`,
    '',
    ...lines,
    ...(random ? ['', 'These passwords are random and shown only this once.'] : []),
    '',
  ].join('\n');
}
