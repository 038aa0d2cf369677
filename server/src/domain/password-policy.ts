/**
 * Password rules for staff accounts, after NIST SP 800-63B §5.1.1.2: length over composition
 * rules, no truncation, and refuse passwords that are trivially guessable for this account.
 * Returns the problem in words the user can act on, or undefined when the password is fine.
 */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

export function passwordProblem(password: string, email: string): string | undefined {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return `the password must have at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `the password must have at most ${PASSWORD_MAX_LENGTH} characters`;
  if (new Set(password).size < 4) return 'the password must not repeat the same few characters';
  const local = email.split('@')[0].toLowerCase();
  if (local.length >= 4 && password.toLowerCase().includes(local)) return 'the password must not contain the e-mail name';
  return undefined;
}
