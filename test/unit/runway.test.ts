import { describe, expect, it } from 'vitest';
import { canOperateForDays, lifecycleStatus, runwayDays } from '../../src/domain/agents/runway.js';
import { msatsToSats, satsToMsats } from '../../src/domain/money.js';

describe('wallet runway (SEED-RULES: days_until_broke = floor(available / daily_burn))', () => {
  it('divides the available balance by the 7-day average burn, rounding down', () => {
    // 700 sats spent over 7 days = 100/day; 1,050 available → 10 days (10.5 floored).
    expect(runwayDays(satsToMsats(1050), satsToMsats(700))).toBe(10);
  });

  it('is null when nothing was spent, and 0 when nothing is available', () => {
    expect(runwayDays(satsToMsats(1000), 0)).toBeNull();
    expect(runwayDays(0, satsToMsats(700))).toBe(0);
  });

  it('stays exact for balances far beyond float precision', () => {
    expect(runwayDays(Number.MAX_SAFE_INTEGER, 7)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('can_operate_for_days(n) is available ≥ daily_burn · n', () => {
    expect(canOperateForDays(satsToMsats(1000), satsToMsats(700), 10)).toBe(true);
    expect(canOperateForDays(satsToMsats(999), satsToMsats(700), 10)).toBe(false);
  });

  it('reports LowBalance under 7 days of runway; Suspended and Terminated win', () => {
    expect(lifecycleStatus('Active', 6)).toBe('LowBalance');
    expect(lifecycleStatus('Active', 7)).toBe('Active');
    expect(lifecycleStatus('Active', null)).toBe('Active');
    expect(lifecycleStatus('Suspended', 100)).toBe('Suspended');
    expect(lifecycleStatus('Terminated', 1)).toBe('Terminated');
    expect(lifecycleStatus('Active', 9, 10)).toBe('LowBalance');
  });
});

describe('money units', () => {
  it('keeps whole sats at the edges and millisats inside', () => {
    expect(satsToMsats(21)).toBe(21_000);
    expect(msatsToSats(21_999)).toBe(21);
    expect(() => satsToMsats(1.5)).toThrow(/whole number/);
    expect(() => satsToMsats(-1)).toThrow(/whole number/);
    expect(() => satsToMsats(Number.MAX_SAFE_INTEGER)).toThrow(/too large/);
  });
});
