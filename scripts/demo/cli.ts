/**
 * Runs the built `corridor` CLI (dist/apps/cli/src/main.js) the way an operator or a CI job would,
 * so the demo loads its configuration through the same `apply` path as a reviewed pull request.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../../..');

/** Streams the CLI's output indented under the demo's heading; resolves with its last line parsed when it is JSON. */
export function corridor(args: string[], env: Record<string, string>, line: (s?: string) => void): Promise<Record<string, any> | null> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [resolve(ROOT, 'dist/apps/cli/src/main.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', fail);
    child.on('close', (code) => {
      const lines = out.trimEnd().split('\n');
      let json: Record<string, any> | null = null;
      try {
        json = lines.length && lines[lines.length - 1].startsWith('{') ? JSON.parse(lines.pop()!) : null;
      } catch {
        json = null;
      }
      for (const l of lines) line(`  ${l}`);
      if (code !== 0) fail(new Error(`corridor ${args.join(' ')} exited ${code}: ${err.trim()}`));
      else done(json);
    });
  });
}
