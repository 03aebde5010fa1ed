// Rules for signing in and out, API tokens, passwords and managing a tenant's users.
import type { Db } from '../../db/client.js';
import type { TenantRole } from '../../db/schema/index.js';
import type { AttemptCounter } from '../../lib/attempt-counter.js';
import {
  DomainError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  ValidationError,
  type FieldErrors,
} from '../../lib/errors.js';
import { hashSecret, isUuid, newSecret } from '../../lib/ids.js';
import { hashPassword, verifyAgainstDummy, verifyPassword } from '../../lib/passwords.js';
import * as q from './accounts.queries.js';
import type { Principal } from './accounts.queries.js';
import {
  canManageRole,
  checkDisplayName,
  checkEmail,
  checkNewPassword,
  isTenantRole,
  normaliseEmail,
} from './accounts.rules.js';

export class InvalidCredentialsError extends DomainError {
  constructor() {
    // One message whether the email exists or not: sign-in must not reveal which accounts exist.
    super(401, 'INVALID_CREDENTIALS', 'Email or password is incorrect.');
  }
}

export class AccountDeactivatedError extends DomainError {
  constructor() {
    super(403, 'ACCOUNT_DEACTIVATED', 'This account has been deactivated. Ask your organisation’s administrator.');
  }
}

export interface SignInInput {
  email: string;
  password: string;
  /** Tenant slug; needed only when the same email and password open accounts in several tenants. */
  organisation?: string;
  ip: string;
}

export interface SignInLimits {
  counter: AttemptCounter;
  maxFailuresPerMinute: number;
}

const FAILURE_WINDOW_SECONDS = 60;
/** Bounds the scrypt work one request can cause when an email exists in many tenants. */
const MAX_PASSWORD_CHECKS = 5;

/** Checks email and password; returns the account to sign in. Throttles repeated failures per email and per IP. */
export async function authenticate(db: Db, limits: SignInLimits, input: SignInInput) {
  const email = normaliseEmail(input.email ?? '');
  const password = input.password ?? '';
  const keys = [`login:email:${email}`, `login:ip:${input.ip}`];

  const counts = await Promise.all(keys.map((key) => limits.counter.peek(key)));
  const blocked = counts.filter((c) => c.count >= limits.maxFailuresPerMinute);
  if (blocked.length > 0) throw new RateLimitedError(Math.max(1, ...blocked.map((c) => c.retryAfterSeconds)));

  const fail = async (error: DomainError = new InvalidCredentialsError()) => {
    await Promise.all(keys.map((key) => limits.counter.hit(key, FAILURE_WINDOW_SECONDS)));
    return error;
  };

  if (!email || !password) throw await fail();

  const organisation = input.organisation?.trim().toLowerCase();
  let candidates = await q.findLoginCandidates(db, { email });
  if (organisation) candidates = candidates.filter((c) => c.tenantSlug === organisation);

  const matched = [];
  for (const candidate of candidates.slice(0, MAX_PASSWORD_CHECKS)) {
    if (await verifyPassword(password, candidate.passwordHash)) matched.push(candidate);
  }
  if (candidates.length === 0) await verifyAgainstDummy(password);

  if (matched.length === 0) throw await fail();
  const active = matched.filter((m) => m.isActive);
  if (active.length === 0) throw await fail(new AccountDeactivatedError());
  if (active.length > 1) {
    throw new ValidationError(
      { organisation: 'This email has accounts in several organisations. Enter the organisation’s short name.' },
      'Choose the organisation to sign in to.',
    );
  }
  await limits.counter.clear(keys[0]!);
  const account = active[0]!;
  await q.touchLastLogin(db, { userId: account.id });
  return { userId: account.id, tenantId: account.tenantId };
}

export async function startSession(
  db: Db,
  account: { userId: string; tenantId: string | null },
  meta: { ip: string; userAgent: string | null; ttlHours: number },
) {
  const expiresAt = new Date(Date.now() + meta.ttlHours * 3600_000);
  const sessionId = await q.insertSession(db, { ...account, ip: meta.ip, userAgent: meta.userAgent, expiresAt });
  return { sessionId, expiresAt };
}

export async function issueApiToken(
  db: Db,
  account: { userId: string; tenantId: string | null },
  { ttlHours, label = 'api' }: { ttlHours: number; label?: string },
) {
  const token = newSecret('sst_');
  const expiresAt = new Date(Date.now() + ttlHours * 3600_000);
  const tokenId = await q.insertApiToken(db, { ...account, tokenHash: hashSecret(token), label, expiresAt });
  return { token, tokenId, expiresAt };
}

export function principalFromSession(db: Db, sessionId: string) {
  return isUuid(sessionId) ? q.findSessionPrincipal(db, { sessionId }) : Promise.resolve(null);
}

export function principalFromToken(db: Db, token: string) {
  return q.findTokenPrincipal(db, { tokenHash: hashSecret(token) });
}

export async function signOut(db: Db, principal: Principal) {
  if (principal.via === 'session') await q.revokeSession(db, { sessionId: principal.credentialId });
}

/** The first owner of a new tenant (the operator's "new organisation"), in the caller's transaction. The caller has
 * checked the input with accounts.rules; a taken email surfaces as a unique violation. */
export function addFirstOwner(db: Db, owner: { tenantId: string; email: string; displayName: string; passwordHash: string }) {
  return q.insertUser(db, { ...owner, role: 'owner' });
}

/** Deletes sessions and API tokens that expired or were revoked more than `graceHours` ago. */
export function purgeDeadCredentials(db: Db, { graceHours }: { graceHours: number }) {
  return q.purgeDeadCredentials(db, { graceHours });
}

export async function changePassword(
  db: Db,
  principal: Principal,
  input: { currentPassword: string; newPassword: string; confirmPassword: string },
) {
  const errors: FieldErrors = {};
  const stored = await q.findPasswordHash(db, { userId: principal.userId });
  if (!stored || !(await verifyPassword(input.currentPassword ?? '', stored))) {
    errors.currentPassword = 'Your current password is not correct.';
  }
  checkNewPassword(input.newPassword ?? '', errors, 'newPassword');
  if (!errors.newPassword && input.newPassword !== input.confirmPassword) {
    errors.confirmPassword = 'The two new passwords do not match.';
  }
  if (!errors.newPassword && input.newPassword === input.currentPassword) {
    errors.newPassword = 'Choose a password different from the current one.';
  }
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);

  await q.updatePasswordHash(db, { userId: principal.userId, passwordHash: await hashPassword(input.newPassword) });
  // A changed password ends every other sign-in: whoever knew the old one is out.
  await q.revokeUserCredentials(db, {
    tenantId: principal.tenantId,
    userId: principal.userId,
    keepSessionId: principal.via === 'session' ? principal.credentialId : undefined,
  });
}

// ---- managing a tenant's users (owners and admins) ----

export interface NewUserInput {
  email: string;
  displayName: string;
  role: string;
  password: string;
}

export async function createUser(db: Db, actor: Principal, input: NewUserInput) {
  const tenantId = requireTenant(actor);
  const email = normaliseEmail(input.email ?? '');
  const displayName = (input.displayName ?? '').trim();
  const errors: FieldErrors = {};
  checkEmail(email, errors);
  checkDisplayName(displayName, errors);
  checkNewPassword(input.password ?? '', errors);
  if (!isTenantRole(input.role)) errors.role = 'Choose a role: owner, admin, author or learner.';
  else if (!canManageRole(actor.role, input.role)) errors.role = 'Only an owner can create another owner.';
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);

  try {
    return await q.insertUser(db, {
      tenantId,
      email,
      displayName,
      role: input.role as TenantRole,
      passwordHash: await hashPassword(input.password),
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new ValidationError({ email: 'Someone in your organisation already uses this email.' });
    throw error;
  }
}

export async function getUser(db: Db, actor: Principal, userId: string) {
  const tenantId = requireTenant(actor);
  // A malformed id and another tenant's id get the same answer as a missing one.
  const user = isUuid(userId) ? await q.findUserById(db, { tenantId, userId }) : null;
  if (!user) throw new NotFoundError('No such user in your organisation.');
  return user;
}

export interface UserChanges {
  displayName?: string;
  role?: string;
  isActive?: boolean;
}

export async function changeUser(db: Db, actor: Principal, userId: string, changes: UserChanges) {
  const tenantId = requireTenant(actor);
  // "At least one active owner" is a rule about the whole tenant, so it cannot be checked by reading and then
  // writing: two owners demoting each other at once would both count two owners. Every change to a user runs in
  // one transaction that first locks the tenant's row; the second of two such changes waits, then counts and
  // re-reads the actor's own role after the first has committed.
  return db.transaction(async (tx) => {
    await q.lockTenantForUserChanges(tx, { tenantId });
    const target = await getUser(tx, actor, userId);
    const actorNow = await q.findUserById(tx, { tenantId, userId: actor.userId });
    // The caller's role was read when the request began; an owner demoted or deactivated meanwhile acts no more.
    if (!actorNow?.isActive || (actorNow.role !== 'owner' && actorNow.role !== 'admin')) {
      throw new ForbiddenError('Your own role or access has just changed: you can no longer manage users.');
    }
    const actorRole = actorNow.role as TenantRole;
    const errors: FieldErrors = {};
    const update: { displayName?: string; role?: TenantRole; isActive?: boolean } = {};

    if (!canManageRole(actorRole, target.role as TenantRole)) throw new ForbiddenError('Only an owner can change an owner.');

    if (changes.displayName !== undefined) {
      const displayName = changes.displayName.trim();
      checkDisplayName(displayName, errors);
      update.displayName = displayName;
    }
    if (changes.role !== undefined && changes.role !== target.role) {
      if (!isTenantRole(changes.role)) errors.role = 'Choose a role: owner, admin, author or learner.';
      else if (!canManageRole(actorRole, changes.role)) errors.role = 'Only an owner can make someone an owner.';
      else if (target.id === actor.userId) errors.role = 'You cannot change your own role.';
      else update.role = changes.role;
    }
    if (changes.isActive !== undefined && changes.isActive !== target.isActive) {
      if (target.id === actor.userId) errors.isActive = 'You cannot deactivate yourself.';
      else update.isActive = changes.isActive;
    }
    if (Object.keys(errors).length > 0) throw new ValidationError(errors);
    if (Object.keys(update).length === 0) return { user: target, changed: {} };

    const losesOwner = target.role === 'owner' && target.isActive && (update.isActive === false || (update.role && update.role !== 'owner'));
    if (losesOwner && (await q.countActiveOwners(tx, { tenantId })) <= 1) {
      const field = update.isActive === false ? 'isActive' : 'role';
      throw new ValidationError({ [field]: 'An organisation needs at least one active owner.' });
    }

    const user = await q.updateUser(tx, { tenantId, userId }, update);
    if (!user) throw new NotFoundError('No such user in your organisation.');
    // Deactivation takes effect at once: every open session and token of the user stops working.
    if (update.isActive === false) await q.revokeUserCredentials(tx, { tenantId, userId });
    return { user, changed: update };
  });
}

export function requireTenant(actor: Principal): string {
  if (!actor.tenantId) throw new ForbiddenError('This needs an account in an organisation.');
  return actor.tenantId;
}

export function isUniqueViolation(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    if ((current as { code?: string }).code === '23505') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
