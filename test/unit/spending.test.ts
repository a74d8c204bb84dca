// Spending as the gate counts it, and the console's gauges over it: per day (holds from
// the day they were placed, refunds not counted), and each budget's projection at the
// last 7 days' rate.
import { afterEach, describe, expect, it } from 'vitest';
import { sendPayment } from '../../src/domain/agents/payments.js';
import { periodEnd } from '../../src/domain/governance/periods.js';
import { policySchema } from '../../src/domain/governance/policy.js';
import { budgetUsage, dailySpend, spendingSummary } from '../../src/domain/governance/spending.js';
import { agentAccountId, ESCROW } from '../../src/domain/ledger/accounts.js';
import { createHold } from '../../src/domain/ledger/holds.js';
import { postTransfer } from '../../src/domain/ledger/transfers.js';
import { agent, closeContexts, DAY, fundedAgent, makeContext, ManualClock } from '../support/fixtures.js';

afterEach(closeContexts);

const weekly = (limit_sats: number) => policySchema.parse({ level: 'Autonomous', budgets: [{ period: 'Weekly', limit_sats }] }).budgets[0]!;

describe('budget periods', () => {
  it('end where the next one starts: tomorrow, next Monday, the first of next month', () => {
    const wednesday = new Date('2026-12-16T12:00:00.000Z');
    expect(periodEnd('Daily', wednesday)).toBe('2026-12-17');
    expect(periodEnd('Weekly', wednesday)).toBe('2026-12-21');
    expect(periodEnd('Monthly', wednesday)).toBe('2027-01-01');
    expect(periodEnd('Weekly', new Date('2026-12-21T00:00:00.000Z'))).toBe('2026-12-28');
  });
});

describe('a budget gauge', () => {
  // Wednesday noon: 4.5 days of the week (Monday 11-23 to Monday 11-30) are left; the rate is 1,000 sats a day.
  const now = new Date('2026-11-25T12:00:00.000Z');
  const rate = 7_000_000;

  it('projects the period at the last 7 days rate, and warns from the alert threshold', () => {
    const usage = budgetUsage(weekly(7_000), 2_000_000, rate, now);
    expect(usage).toMatchObject({ periodStart: '2026-11-23', periodEnd: '2026-11-30', limitMsats: 7_000_000, alertMsats: 5_600_000 });
    expect(usage.projectedMsats).toBe(6_500_000);
    expect(usage.state).toBe('ok');
    expect(usage.projectedState).toBe('warning');
    expect(usage.limitReachedOn).toBeNull(); // 5 days to go at 1,000 a day: past the period's end
  });

  it('names the day the limit is reached when that falls inside the period, and says over once it is passed', () => {
    expect(budgetUsage(weekly(7_000), 3_000_000, rate, now).limitReachedOn).toBe('2026-11-29');
    expect(budgetUsage(weekly(7_000), 5_600_000, rate, now).state).toBe('warning');
    const over = budgetUsage(weekly(7_000), 7_000_001, rate, now);
    expect(over.state).toBe('over');
    expect(over.limitReachedOn).toBeNull();
    expect(budgetUsage(weekly(7_000), 0, 0, now)).toMatchObject({ projectedMsats: 0, limitReachedOn: null, state: 'ok' });
  });
});

describe('spend per day', () => {
  it('counts payments on their day and holds from the day they were placed, never refunds, with a zero for quiet days', async () => {
    const clock = new ManualClock('2026-11-20T10:00:00.000Z');
    const ctx = await makeContext({ clock });
    const { sponsor, agent: payer } = await fundedAgent(ctx, 10_000);
    const payee = await agent(ctx, sponsor.id, 'Payee');
    await sendPayment(ctx.db, clock, { fromAgentId: payer.id, toAgentId: payee.id, amountMsats: 300_000 });
    clock.advance(2 * DAY);
    await createHold(ctx.db, clock, { debitAccountId: agentAccountId(payer.id), creditAccountId: ESCROW.id, amountMsats: 200_000, entryType: 'Escrow' });
    await sendPayment(ctx.db, clock, { fromAgentId: payer.id, toAgentId: payee.id, amountMsats: 50_000 });
    await postTransfer(ctx.db, clock, {
      debitAccountId: agentAccountId(payer.id),
      creditAccountId: agentAccountId(payee.id),
      amountMsats: 40_000,
      entryType: 'Refund',
      reference: 'dp_x',
    });
    clock.advance(DAY);

    const days = await dailySpend(ctx.db, clock, payer.id, 5);
    expect(days).toEqual([
      { day: '2026-11-19', spentMsats: 0 },
      { day: '2026-11-20', spentMsats: 300_000 },
      { day: '2026-11-21', spentMsats: 0 },
      { day: '2026-11-22', spentMsats: 250_000 },
      { day: '2026-11-23', spentMsats: 0 },
    ]);
    const policy = policySchema.parse({ level: 'Autonomous', action_limits: { max_daily_spend_sats: 100 }, budgets: [{ period: 'Monthly', limit_sats: 600 }] });
    const summary = await spendingSummary(ctx.db, clock, payer.id, policy);
    expect(summary).toMatchObject({ spentTodayMsats: 0, dailyLimitMsats: 100_000, dailyState: 'ok', burnWindowMsats: 550_000 });
    expect(summary.budgets[0]).toMatchObject({ spentMsats: 550_000, state: 'warning' });
  });
});
