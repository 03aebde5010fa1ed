// Who is calling: the auth plugin fills request.user with this and every module's rules take it as the actor. It
// lives in lib because both sides use it: plugins may not import modules, and the accounts module builds it.
import type { UserRole } from '../db/schema/index.js';

/** What the rest of the app knows about who is calling. Never carries the password hash. */
export interface Principal {
  userId: string;
  tenantId: string | null;
  tenantName: string | null;
  tenantSlug: string | null;
  role: UserRole;
  email: string;
  displayName: string;
  via: 'session' | 'token';
  /** The session row or API token row behind this request. */
  credentialId: string;
}
