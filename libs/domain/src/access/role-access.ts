import { Role } from './role';

/** What an endpoint demands of the caller's key. */
export interface RoleRequirement {
  roles: readonly Role[];
  /**
   * When false (the default), admin is admitted too: admin may do everything an agent or an
   * integration can. When true, exactly the listed roles are admitted (an endpoint that must not
   * be called with an admin key, e.g. one acting as "the calling integration").
   */
  exact?: boolean;
}

export function roleSatisfies(role: Role, requirement: RoleRequirement): boolean {
  if (requirement.roles.includes(role)) return true;
  return role === 'admin' && !requirement.exact;
}
