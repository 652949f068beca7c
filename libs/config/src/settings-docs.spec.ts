import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BEGIN, END, readSettings, settingsTable, withTable } from '../../../scripts/settings-docs';
import { AppConfig } from './app-config';

// Settings without a default are not own properties of a fresh AppConfig.
const OPTIONAL = ['SECRETS_KEY', 'PUBLIC_URL', 'DATABASE_READ_URL', 'OTEL_EXPORTER_OTLP_ENDPOINT'];
const root = join(__dirname, '../../..');

describe('settings documentation', () => {
  const settings = [...new Set([...Object.keys(new AppConfig()), ...OPTIONAL])];

  it('config/.env.example lists every setting', () => {
    const example = readFileSync(join(root, 'config/.env.example'), 'utf8');
    expect(settings.filter((name) => !new RegExp(`^${name}=`, 'm').test(example))).toEqual([]);
  });

  it('the generator reads every setting of the schema, each with a meaning', () => {
    const docs = readSettings();
    expect(docs.map((d) => d.name).sort()).toEqual([...settings].sort());
    expect(docs.filter((d) => !d.meaning).map((d) => d.name)).toEqual([]);
  });

  it("the README's settings table is the one generated from the schema (npm run docs:settings)", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain(BEGIN);
    expect(readme).toContain(END);
    expect(withTable(readme, settingsTable())).toBe(readme);
    expect(settings.filter((name) => !readme.includes(`| \`${name}\``))).toEqual([]);
  });

  it('notices a setting added to the schema but not to the README', () => {
    const source = readFileSync(join(root, 'libs/config/src/app-config.ts'), 'utf8').replace(
      '  /** `fatal`',
      "  /** New. */\n  @IsString()\n  BRAND_NEW_SETTING = 'x';\n\n  /** `fatal`",
    );
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(withTable(readme, settingsTable(readSettings(source)))).not.toBe(readme);
    expect(settingsTable(readSettings(source))).toContain("| `BRAND_NEW_SETTING` | `x` |  | New. |");
  });
});
