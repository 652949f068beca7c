import { carriesWriteback } from './writeback-plan';

describe('carriesWriteback', () => {
  it('is true only when every written role already has the value', () => {
    expect(carriesWriteback({ persona: 'A', strategy: 'x' }, { persona: 'A', strategy: 'x' })).toBe(true);
    expect(carriesWriteback({ persona: 'A', strategy: 'x' }, { persona: 'A', strategy: 'y' })).toBe(false);
    expect(carriesWriteback({ persona: 'A', hsPersona: 'persona_1' }, { persona: 'A', strategy: 'y' })).toBe(false);
    expect(carriesWriteback({ persona: 'A' }, { persona: 'A', strategy: null })).toBe(true);
  });
  it('is false when nothing is known', () => {
    expect(carriesWriteback({ persona: 'A' }, null)).toBe(false);
    expect(carriesWriteback({}, { persona: 'A' })).toBe(false);
    expect(carriesWriteback({ persona: 'A' }, { persona: null })).toBe(false);
  });
});
