import { Foundation1795458755669 } from './1795458755669-Foundation';

/** Every migration, in order. Listed, not globbed (see data-source-options.ts). */
export const MIGRATIONS: Function[] = [Foundation1795458755669];
