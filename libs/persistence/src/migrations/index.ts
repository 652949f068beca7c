import { Foundation1795458755669 } from './1795458755669-Foundation';
import { CrmSync1795459570371 } from './1795459570371-CrmSync';
import { WritebackStatus1796700000000 } from './1796700000000-WritebackStatus';

/** Every migration, in order. Listed, not globbed (see data-source-options.ts). */
export const MIGRATIONS: Function[] = [Foundation1795458755669, CrmSync1795459570371, WritebackStatus1796700000000];
