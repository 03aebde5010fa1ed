// Rules for the platform operator: creating a tenant together with its first owner, all or nothing.
import type { Db } from '../../db/client.js';
import { ValidationError, type FieldErrors } from '../../lib/errors.js';
import { hashPassword } from '../../lib/passwords.js';
import { checkDisplayName, checkEmail, checkNewPassword, normaliseEmail } from '../accounts/accounts.rules.js';
import { addFirstOwner, isUniqueViolation } from '../accounts/accounts.service.js';
import { findTenantConflicts, insertTenant } from './operator.queries.js';

export interface NewTenantInput {
  name: string;
  slug?: string;
  domain?: string;
  ownerEmail: string;
  ownerName: string;
  ownerPassword: string;
}

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$/;
const HOST = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export function slugify(name: string): string {
  return name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 50);
}

export async function createTenant(db: Db, input: NewTenantInput) {
  const name = (input.name ?? '').trim();
  const slug = (input.slug ?? '').trim().toLowerCase() || slugify(name);
  const domain = (input.domain ?? '').trim().toLowerCase() || null;
  const ownerEmail = normaliseEmail(input.ownerEmail ?? '');
  const ownerName = (input.ownerName ?? '').trim();

  const errors: FieldErrors = {};
  if (!name) errors.name = 'Enter the organisation’s name.';
  else if (name.length > 200) errors.name = 'Keep the name under 200 characters.';
  if (!SLUG.test(slug)) errors.slug = 'Use 1 to 50 lower-case letters, digits and dashes, not starting or ending with a dash.';
  if (domain && !HOST.test(domain)) errors.domain = 'Enter a host name like learn.example.com, or leave it empty.';
  checkEmail(ownerEmail, errors, 'ownerEmail');
  checkDisplayName(ownerName, errors, 'ownerName');
  checkNewPassword(input.ownerPassword ?? '', errors, 'ownerPassword');
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);

  const taken = await findTenantConflicts(db, { slug, domain });
  if (taken.slug) errors.slug = 'Another organisation already uses this short name.';
  if (taken.domain) errors.domain = 'Another organisation already uses this domain.';
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);

  const passwordHash = await hashPassword(input.ownerPassword);
  try {
    return await db.transaction(async (tx) => {
      const tenant = await insertTenant(tx, { name, slug, domain });
      const owner = await addFirstOwner(tx, { tenantId: tenant.id, email: ownerEmail, displayName: ownerName, passwordHash });
      return { tenant, owner };
    });
  } catch (error) {
    // Two operators racing for the same slug or domain: the loser gets the same answer as the check above.
    if (isUniqueViolation(error)) throw new ValidationError({ slug: 'Another organisation already uses this short name or domain.' });
    throw error;
  }
}
