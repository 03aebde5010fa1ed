// SQL for accounts: users, sessions and API tokens. Every function that touches tenant-owned rows takes tenantId.
import { and, count, desc, eq, gt, ilike, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { apiTokens, sessions, tenants, users, type TenantRole, type User, type UserRole } from '../../db/schema/index.js';
import type { Principal } from '../../lib/principal.js';

// Defined in lib (the auth plugin uses it too); modules keep importing it from here.
export type { Principal };

export type PublicUser = Omit<User, 'passwordHash'>;

const publicUserColumns = {
  id: users.id,
  tenantId: users.tenantId,
  email: users.email,
  displayName: users.displayName,
  role: users.role,
  isActive: users.isActive,
  lastLoginAt: users.lastLoginAt,
  createdAt: users.createdAt,
};

const principalColumns = {
  userId: users.id,
  tenantId: users.tenantId,
  tenantName: tenants.name,
  tenantSlug: tenants.slug,
  role: users.role,
  email: users.email,
  displayName: users.displayName,
};

/** Every active-or-not account with this email, across tenants, with what sign-in needs to choose among them. */
export function findLoginCandidates(db: Db, { email }: { email: string }) {
  return db
    .select({
      id: users.id,
      tenantId: users.tenantId,
      tenantSlug: tenants.slug,
      passwordHash: users.passwordHash,
      isActive: users.isActive,
    })
    .from(users)
    .leftJoin(tenants, eq(tenants.id, users.tenantId))
    .where(eq(sql`lower(${users.email})`, email.toLowerCase()))
    .limit(50);
}

export async function insertSession(
  db: Db,
  values: { userId: string; tenantId: string | null; ip: string; userAgent: string | null; expiresAt: Date },
) {
  const [row] = await db.insert(sessions).values(values).returning({ id: sessions.id });
  return row!.id;
}

/** The principal behind a live session: not expired, not revoked, user still active. One indexed query. */
export async function findSessionPrincipal(db: Db, { sessionId }: { sessionId: string }): Promise<Principal | null> {
  const [row] = await db
    .select(principalColumns)
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .leftJoin(tenants, eq(tenants.id, users.tenantId))
    .where(
      and(
        eq(sessions.id, sessionId),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, sql`now()`),
        eq(users.isActive, true),
      ),
    );
  return row ? { ...row, via: 'session', credentialId: sessionId } : null;
}

export function revokeSession(db: Db, { sessionId }: { sessionId: string }) {
  return db.update(sessions).set({ revokedAt: sql`now()` }).where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)));
}

/** Ends every session and API token of a user, except optionally the session making the request. */
export async function revokeUserCredentials(
  db: Db,
  { tenantId, userId, keepSessionId }: { tenantId: string | null; userId: string; keepSessionId?: string },
) {
  const tenantMatch = (column: typeof sessions.tenantId | typeof apiTokens.tenantId) =>
    tenantId ? eq(column, tenantId) : isNull(column);
  const keep = keepSessionId ? sql`${sessions.id} <> ${keepSessionId}` : undefined;
  await db
    .update(sessions)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(sessions.userId, userId), tenantMatch(sessions.tenantId), isNull(sessions.revokedAt), keep));
  await db
    .update(apiTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(apiTokens.userId, userId), tenantMatch(apiTokens.tenantId), isNull(apiTokens.revokedAt)));
}

export async function insertApiToken(
  db: Db,
  values: { userId: string; tenantId: string | null; tokenHash: string; label: string; expiresAt: Date },
) {
  const [row] = await db.insert(apiTokens).values(values).returning({ id: apiTokens.id });
  return row!.id;
}

export async function findTokenPrincipal(db: Db, { tokenHash }: { tokenHash: string }): Promise<Principal | null> {
  const [row] = await db
    .select({ ...principalColumns, tokenId: apiTokens.id })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .leftJoin(tenants, eq(tenants.id, users.tenantId))
    .where(
      and(
        eq(apiTokens.tokenHash, tokenHash),
        isNull(apiTokens.revokedAt),
        gt(apiTokens.expiresAt, sql`now()`),
        eq(users.isActive, true),
      ),
    );
  if (!row) return null;
  const { tokenId, ...principal } = row;
  return { ...principal, via: 'token', credentialId: tokenId };
}

export function touchLastLogin(db: Db, { userId }: { userId: string }) {
  return db.update(users).set({ lastLoginAt: sql`now()` }).where(eq(users.id, userId));
}

export async function findUserById(db: Db, { tenantId, userId }: { tenantId: string; userId: string }) {
  const [row] = await db
    .select(publicUserColumns)
    .from(users)
    .where(and(eq(users.id, userId), eq(users.tenantId, tenantId)));
  return row ?? null;
}

export async function findUserIdByEmail(db: Db, { tenantId, email }: { tenantId: string; email: string }) {
  const [row] = await db.select({ id: users.id }).from(users).where(and(eq(users.tenantId, tenantId), sql`lower(${users.email}) = ${email.toLowerCase()}`));
  return row?.id ?? null;
}

/** For sign-in and password checks only: the one place that reads a password hash by id. */
export async function findPasswordHash(db: Db, { userId }: { userId: string }) {
  const [row] = await db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, userId));
  return row?.passwordHash ?? null;
}

export interface UserListFilter {
  tenantId: string;
  search?: string;
  role?: TenantRole;
  limit: number;
  offset: number;
}

export async function listUsers(db: Db, filter: UserListFilter) {
  const conditions: SQL[] = [eq(users.tenantId, filter.tenantId)];
  if (filter.role) conditions.push(eq(users.role, filter.role));
  if (filter.search) {
    const pattern = `%${filter.search.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
    conditions.push(or(ilike(users.email, pattern), ilike(users.displayName, pattern))!);
  }
  const where = and(...conditions);
  const [rows, [total]] = await Promise.all([
    db.select(publicUserColumns).from(users).where(where).orderBy(desc(users.createdAt), users.id).limit(filter.limit).offset(filter.offset),
    db.select({ value: count() }).from(users).where(where),
  ]);
  return { rows, total: total?.value ?? 0 };
}

export function countUsersByRole(db: Db, { tenantId }: { tenantId: string }) {
  return db
    .select({ role: users.role, isActive: users.isActive, value: count() })
    .from(users)
    .where(eq(users.tenantId, tenantId))
    .groupBy(users.role, users.isActive);
}

/**
 * Serialises changes to a tenant's users (see changeUser). NO KEY UPDATE, not UPDATE: inserts of rows that
 * reference the tenant take KEY SHARE locks, which this does not block.
 */
export async function lockTenantForUserChanges(db: Db, { tenantId }: { tenantId: string }) {
  await db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId)).for('no key update');
}

export async function countActiveOwners(db: Db, { tenantId }: { tenantId: string }) {
  const [row] = await db
    .select({ value: count() })
    .from(users)
    .where(and(eq(users.tenantId, tenantId), eq(users.role, 'owner'), eq(users.isActive, true)));
  return row?.value ?? 0;
}

export async function insertUser(
  db: Db,
  values: { tenantId: string | null; email: string; displayName: string; passwordHash: string; role: UserRole },
): Promise<PublicUser> {
  const [row] = await db.insert(users).values(values).returning(publicUserColumns);
  return row!;
}

export async function updateUser(
  db: Db,
  { tenantId, userId }: { tenantId: string; userId: string },
  changes: Partial<Pick<User, 'displayName' | 'role' | 'isActive'>>,
) {
  const [row] = await db
    .update(users)
    .set(changes)
    .where(and(eq(users.id, userId), eq(users.tenantId, tenantId)))
    .returning(publicUserColumns);
  return row ?? null;
}

export function updatePasswordHash(db: Db, { userId, passwordHash }: { userId: string; passwordHash: string }) {
  return db.update(users).set({ passwordHash }).where(eq(users.id, userId));
}

/** Removes sessions and API tokens that expired or were revoked more than `graceHours` ago; returns how many. */
export async function purgeDeadCredentials(db: Db, { graceHours }: { graceHours: number }) {
  const cutoff = sql`now() - make_interval(hours => ${graceHours})`;
  const deadSessions = await db
    .delete(sessions)
    .where(or(lt(sessions.expiresAt, cutoff), lt(sessions.revokedAt, cutoff)))
    .returning({ id: sessions.id });
  const deadTokens = await db
    .delete(apiTokens)
    .where(or(lt(apiTokens.expiresAt, cutoff), lt(apiTokens.revokedAt, cutoff)))
    .returning({ id: apiTokens.id });
  return { sessions: deadSessions.length, tokens: deadTokens.length };
}
