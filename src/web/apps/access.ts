import type { Role } from '#common/api/access.ts';

/** Whether a user (null = a visitor) may open something restricted to `roles` (empty = everyone). */
export function mayOpen(roles: readonly Role[], user: { roles: readonly Role[] } | null): boolean {
  if (roles.length === 0) return true;
  return user !== null && user.roles.some((r) => roles.includes(r));
}
