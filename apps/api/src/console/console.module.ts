import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Module } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';

/**
 * The built console (`npm run build` → dist/console), found from the repository root so the same
 * path holds when the api runs compiled (dist/apps/api/src) and from source (tests, ts-node).
 */
export function consoleDir(from = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'console');
}

/**
 * Serves the web console's static files at /console; any other path under /console gets
 * index.html (the SPA routes deep links itself). The files are public — they hold no data; every
 * call the console makes carries an API key and meets the same guard as any client's.
 */
@Module({
  imports: [
    ServeStaticModule.forRoot({
      rootPath: consoleDir(),
      serveRoot: '/console',
      serveStaticOptions: {
        index: false,
        // Vite names assets by content hash: cache them for good; index.html always revalidates.
        setHeaders: (res: { setHeader(name: string, value: string): void }, path: string) =>
          res.setHeader('Cache-Control', path.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable'),
      },
    }),
  ],
})
export class ConsoleModule {}
