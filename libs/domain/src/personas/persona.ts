/** A persona as admins edit it (the draft). Publishing freezes the enabled ones into a PersonaSet. */
export interface Persona {
  id: string;
  key: string;
  name: string;
  description: string;
  /** 1 is evaluated first; null for the fallback, which always comes last. */
  priority: number | null;
  enabled: boolean;
  isFallback: boolean;
  /** A rule-language node; null for the fallback. */
  rule: unknown;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface PersonaVersion {
  id: string;
  personaId: string;
  version: number;
  key: string;
  name: string;
  description: string;
  priority: number | null;
  enabled: boolean;
  isFallback: boolean;
  rule: unknown;
  change: PersonaChange;
  changedBy: string | null;
  createdAt: Date;
}

export type PersonaChange = 'create' | 'update' | 'reorder' | 'disable' | 'enable' | 'archive';

export interface PersonaSetMember {
  personaId: string;
  personaVersionId: string;
  version: number;
  key: string;
  name: string;
  priority: number | null;
  isFallback: boolean;
  rule: unknown;
}

export type PersonaSetStatus = 'publishing' | 'live' | 'superseded' | 'retired';

/** publish: an admin changed the rules. refresh: the live rules re-applied because time passed (relative dates). */
export type PersonaSetReason = 'publish' | 'refresh';

/** An immutable published snapshot: members in priority order, the fallback last. */
export interface PersonaSet {
  version: number;
  members: PersonaSetMember[];
  catalog: Array<{ name: string; type: string; enumValues?: readonly string[] }>;
  timeZone: string;
  status: PersonaSetStatus;
  reason: PersonaSetReason;
  publishedBy: string | null;
  publishedAt: Date;
  liveAt: Date | null;
}

export const PERSONA_KEY_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;
