import type { Role } from './roles.js';

/** Who is acting: a signed-in user, or the operator CLI (no user, full operator rights). */
export interface Actor {
  userId: string | null;
  /** `cli`, or the user's e-mail, for the audit log. */
  label: string;
  role: Role | 'operator';
  ip?: string;
  /** The sign-in session the request came with (absent for the CLI). */
  sessionId?: string;
}

export const CLI_ACTOR: Actor = { userId: null, label: 'cli', role: 'operator' };
