/** What a user may do: admins run the platform, clinicians follow patients, care staff answer alerts. */
export type Role = 'admin' | 'clinician' | 'care_staff';
export const ROLES: readonly Role[] = ['admin', 'clinician', 'care_staff'];
