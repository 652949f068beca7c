import { AppConfig } from '@corridor/config';
import { SecretBox } from './secret-box';

const box = (key: string) => new SecretBox(Object.assign(new AppConfig(), { SECRETS_KEY: key }));
const KEY = Buffer.alloc(32, 7).toString('base64');

describe('SecretBox', () => {
  it('round-trips and never repeats a ciphertext', () => {
    const b = box(KEY);
    const a = b.sealJson({ accessToken: 'pat-na1-secret' });
    expect(a).not.toContain('pat-na1');
    expect(b.sealJson({ accessToken: 'pat-na1-secret' })).not.toBe(a);
    expect(b.openJson(a)).toEqual({ accessToken: 'pat-na1-secret' });
  });
  it('refuses a tampered value or another key', () => {
    const sealed = box(KEY).seal('x');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('y').toString('base64url');
    expect(() => box(KEY).open(parts.join('.'))).toThrow();
    expect(() => box('0'.repeat(64)).open(sealed)).toThrow();
  });
});
