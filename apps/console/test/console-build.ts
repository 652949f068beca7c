import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');
export const CONSOLE_DIST = join(ROOT, 'dist', 'console');

/**
 * The api serves dist/console, which `npm run build` writes (CI builds before testing). A test run
 * without a build builds the console once (a lock directory keeps two test files from building at
 * the same time); CONSOLE_TEST_REBUILD=1 forces it after editing the console.
 */
export async function ensureConsoleBuilt(): Promise<void> {
  const index = join(CONSOLE_DIST, 'index.html');
  if (existsSync(index) && process.env.CONSOLE_TEST_REBUILD !== '1') return;
  const lock = join(ROOT, 'dist', '.console-build.lock');
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
      if (existsSync(index) && process.env.CONSOLE_TEST_REBUILD !== '1') return;
    }
  }
  try {
    if (!existsSync(index) || process.env.CONSOLE_TEST_REBUILD === '1') {
      execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'apps/console/vite.config.mts'], { cwd: ROOT, stdio: 'ignore' });
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
