import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// No React plugin: Vite 8 compiles TSX with oxc (automatic JSX runtime). Fast refresh is a dev
// nicety the served console does not need. `npm run build` writes dist/console, which the api serves at /console.
const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/console/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
  },
});
