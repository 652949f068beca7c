import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

/** The real CLI as a process, for the CLI's e2e specs (config-installation.ts gives it an installation to talk to). */

export const ROOT = resolve(__dirname, '../../../..');
/** The example configuration (config/corridor/): one file per kind. */
export const EXAMPLE = join(ROOT, 'config/corridor');
// `npm run corridor` runs the build (CI builds before testing): the config-as-code specs' two dozen
// runs through ts-node would take minutes on this machine.
const BUILT_CLI = join(ROOT, 'dist/apps/cli/src/main.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The real CLI as a process, as `npm run corridor -- …` runs it: from the build, or with
 * `fromSource` through ts-node (a few seconds a run; for specs that run it a few times and must not
 * depend on a build).
 */
export function corridor(env: Record<string, string>, ...args: string[]): Promise<CliRun> {
  if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run npm run build first`);
  return run([BUILT_CLI, ...args], env, 150_000);
}

/** The CLI from its sources (apps/cli/src/main.ts through ts-node). */
export function corridorFromSource(env: Record<string, string>, ...args: string[]): Promise<CliRun> {
  return run(['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/cli/src/main.ts', ...args], env, 120_000);
}

function run(argv: string[], env: Record<string, string>, timeout: number): Promise<CliRun> {
  return new Promise((done) => {
    execFile(process.execPath, argv, { cwd: ROOT, env: { ...process.env, ...env, LOG_LEVEL: 'silent' }, timeout }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A file's configuration without its `kind` and `base` (what export adds about the installation it came from). */
export function configContent(text: string): Record<string, unknown> {
  const { kind: _k, base: _b, ...rest } = parse(text);
  return rest;
}

/** `s` as a literal inside a RegExp (file paths in expected messages). */
export const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
