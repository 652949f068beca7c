/**
 * Writes the README's per-route role table (between the roles markers in "Authentication and
 * roles") from the routes' own @Roles/@OnlyRoles/@Public declarations:
 *   npm run docs:roles
 * The app is created in Nest's preview mode (no database, no Redis). apps/api/test/role-walk.e2e-spec.ts
 * fails when the committed table differs from the code, and checks every answer against it.
 */
import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ModulesContainer, NestFactory } from '@nestjs/core';
import { AppModule } from '../apps/api/src/app.module';
import { declaredRoutes } from '../apps/api/src/auth/route-access.check';
import { roleTableMarkdown, withRoleTable } from '../apps/api/src/auth/role-table';

const README = resolve(__dirname, '..', 'README.md');

async function main(): Promise<void> {
  const app = await NestFactory.create(AppModule, { preview: true, logger: false, abortOnError: false });
  try {
    const table = roleTableMarkdown(declaredRoutes(app.get(ModulesContainer)));
    writeFileSync(README, withRoleTable(readFileSync(README, 'utf8'), table));
    console.log(`wrote the role table (${table.split('\n').length - 2} routes) into ${README}`);
  } finally {
    await app.close().catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
