import { carriesWriteback } from './writeback-plan';

describe('carriesWriteback', () => {
  it('is true only when every written field already has the value', () => {
    expect(carriesWriteback({ corridor_persona: 'A', corridor_strategy: 'x' }, { corridor_persona: 'A', corridor_strategy: 'x' })).toBe(true);
    expect(carriesWriteback({ corridor_persona: 'A', corridor_strategy: 'x' }, { corridor_persona: 'A', corridor_strategy: 'y' })).toBe(false);
    expect(carriesWriteback({ corridor_persona: 'A', hs_persona: 'persona_1' }, { corridor_persona: 'A', corridor_strategy: 'y' })).toBe(false);
    expect(carriesWriteback({ corridor_persona: 'A' }, { corridor_persona: 'A', corridor_strategy: null })).toBe(true);
  });
  it('is false when nothing is known about the field written', () => {
    expect(carriesWriteback({ corridor_persona: 'A' }, null)).toBe(false);
    expect(carriesWriteback({}, { corridor_persona: 'A' })).toBe(false);
    expect(carriesWriteback({ corridor_persona: 'A' }, { corridor_persona: null })).toBe(false);
    // The connection now writes another field: what the old one carries says nothing.
    expect(carriesWriteback({ my_persona: 'A' }, { corridor_persona: 'A' })).toBe(false);
  });
});
