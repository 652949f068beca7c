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

/** `reorder` appears only on versions recorded before order changes moved to PersonaOrder. */
export type PersonaChange = 'create' | 'update' | 'reorder' | 'disable' | 'enable' | 'archive';

/**
 * One state of the draft's evaluation order, recorded once per change of the order: a persona's
 * own version changes only when its own content does, not when a neighbour moves it.
 */
export interface PersonaOrder {
  version: number;
  /** Persona keys, first evaluated first; the fallback (always last) is not listed. */
  keys: string[];
  /** `initial`: the order found when order changes started being recorded. */
  change: PersonaOrderChange;
  /** The persona created or archived (null for a reorder). */
  personaKey: string | null;
  changedBy: string | null;
  createdAt: Date;
}

export type PersonaOrderChange = 'initial' | 'create' | 'reorder' | 'archive';

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
