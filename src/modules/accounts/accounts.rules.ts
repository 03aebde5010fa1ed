// Pure rules about accounts: input checks and who may manage whom. No database, no HTTP.
import { TENANT_ROLES, type TenantRole, type UserRole } from '../../db/schema/index.js';
import type { FieldErrors } from '../../lib/errors.js';
import { MIN_PASSWORD_LENGTH } from '../../lib/passwords.js';

const EMAIL = /^[^\s@<>()]+@[^\s@<>()]+\.[^\s@<>()]+$/;

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function checkEmail(email: string, errors: FieldErrors, field = 'email') {
  if (!email) errors[field] = 'Enter an email address.';
  else if (email.length > 254 || !EMAIL.test(email)) errors[field] = 'Enter a valid email address, like name@example.com.';
}

export function checkDisplayName(name: string, errors: FieldErrors, field = 'displayName') {
  if (!name) errors[field] = 'Enter a name.';
  else if (name.length > 200) errors[field] = 'Keep the name under 200 characters.';
}

export function checkNewPassword(password: string, errors: FieldErrors, field = 'password') {
  if (password.length < MIN_PASSWORD_LENGTH) errors[field] = `Use at least ${MIN_PASSWORD_LENGTH} characters.`;
  else if (password.length > 1000) errors[field] = 'Use at most 1,000 characters.';
}

export function isTenantRole(role: unknown): role is TenantRole {
  return typeof role === 'string' && (TENANT_ROLES as string[]).includes(role);
}

export const ADMIN_ROLES: UserRole[] = ['owner', 'admin'];

/** Owners manage everyone; admins manage admins, authors and learners but can neither make nor change an owner. */
export function canManageRole(actorRole: UserRole, role: TenantRole): boolean {
  if (actorRole === 'owner') return true;
  if (actorRole === 'admin') return role !== 'owner';
  return false;
}
