import { terminalSafe } from './cli-output';

describe('terminalSafe', () => {
  it('keeps ordinary text, accents and emoji as they are', () => {
    expect(terminalSafe('CRM bridge — Zoë 🚀 "quoted"')).toBe('CRM bridge — Zoë 🚀 "quoted"');
  });

  it('escapes every control character so none reaches the terminal', () => {
    expect(terminalSafe('evil\u001b[2J\u001b]0;pwned\u0007name')).toBe('evil\\x1b[2J\\x1b]0;pwned\\x07name');
    expect(terminalSafe('a\nb\rc\td\u0000e\u007ff\u009bg')).toBe('a\\x0ab\\x0dc\\x09d\\x00e\\x7ff\\x9bg');
    expect(terminalSafe('admin\u202etxt.exe')).toBe('admin\\u{202e}txt.exe');
    const all = Array.from({ length: 0xa0 }, (_, i) => String.fromCharCode(i)).join('');
    expect(terminalSafe(all)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });
});
