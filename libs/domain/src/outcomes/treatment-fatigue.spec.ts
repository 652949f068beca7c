import { activePause, NO_FATIGUE, nextFatigue, responseSettings, TREATMENT_RESPONSE_DEFAULTS } from './treatment-fatigue';

const DAY = 86_400_000;
const settings = responseSettings({ ignoredInARow: 3, pauseDays: 30 });

describe('treatment fatigue', () => {
  it('pauses after N ignored in a row, from the last one, for M days, and starts a new streak', () => {
    let s = NO_FATIGUE;
    s = nextFatigue(s, { type: 'ignored', at: 1 * DAY }, settings);
    s = nextFatigue(s, { type: 'ignored', at: 2 * DAY }, settings);
    expect(s).toEqual({ ignoredStreak: 2, pausedUntil: null });
    s = nextFatigue(s, { type: 'ignored', at: 3 * DAY }, settings);
    expect(s).toEqual({ ignoredStreak: 0, pausedUntil: 33 * DAY });
  });

  it('an engagement ends the streak; delivered and feedback change nothing', () => {
    let s = nextFatigue(nextFatigue(NO_FATIGUE, { type: 'ignored', at: 0 }, settings), { type: 'ignored', at: 1 }, settings);
    expect(nextFatigue(s, { type: 'delivered', at: 2 }, settings)).toBe(s);
    expect(nextFatigue(s, { type: 'feedback', at: 2 }, settings)).toBe(s);
    s = nextFatigue(s, { type: 'clicked', at: 2 }, settings);
    expect(s.ignoredStreak).toBe(0);
    expect(nextFatigue(s, { type: 'ignored', at: 3 }, settings)).toEqual({ ignoredStreak: 1, pausedUntil: null });
  });

  it('an engagement keeps a pause already earned', () => {
    expect(nextFatigue({ ignoredStreak: 1, pausedUntil: 10 }, { type: 'opened', at: 5 }, settings)).toEqual({ ignoredStreak: 0, pausedUntil: 10 });
  });

  it('per-treatment settings over the defaults', () => {
    expect(responseSettings({})).toEqual(TREATMENT_RESPONSE_DEFAULTS);
    expect(responseSettings({ responseWindowHours: 4, ignoredInARow: null })).toEqual({ ...TREATMENT_RESPONSE_DEFAULTS, responseWindowHours: 4 });
    expect(nextFatigue(NO_FATIGUE, { type: 'ignored', at: 0 }, responseSettings({ ignoredInARow: 1, pauseDays: 2 }))).toEqual({ ignoredStreak: 0, pausedUntil: 2 * DAY });
  });

  it('a pause holds until its end, for its treatment only', () => {
    const pauses = [{ treatmentKey: 'promo', until: 100 }];
    expect(activePause(pauses, 'promo', 99)).toEqual(pauses[0]);
    expect(activePause(pauses, 'promo', 100)).toBeNull();
    expect(activePause(pauses, 'other', 50)).toBeNull();
    expect(activePause(undefined, 'promo', 50)).toBeNull();
  });
});
