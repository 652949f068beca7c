import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig } from './app-config';

// Settings without a default are not own properties of a fresh AppConfig.
const OPTIONAL = ['SECRETS_KEY', 'PUBLIC_URL', 'DATABASE_READ_URL'];
const root = join(__dirname, '../../..');

describe('settings documentation', () => {
  const settings = [...Object.keys(new AppConfig()), ...OPTIONAL];

  it('config/.env.example lists every setting', () => {
    const example = readFileSync(join(root, 'config/.env.example'), 'utf8');
    expect(settings.filter((name) => !new RegExp(`^${name}=`, 'm').test(example))).toEqual([]);
  });

  it("the README's settings table lists every setting", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(settings.filter((name) => !readme.includes(`| \`${name}\``))).toEqual([]);
  });
});
