// The parts of an agent's summary the home page and the agent page share: the money
// tiles, today's spend against the daily limit, the budget gauges, and what waits.
import type { BudgetUsage } from '../../domain/governance/spending.js';
import type { AgentOverview } from './agent-overview.js';
import { gauge } from './charts.js';
import { html, sats, type Html } from './markup.js';
import { DAILY_LIMIT_WARNING_PCT } from '../../domain/governance/spending.js';

export function statusLine(o: AgentOverview): Html {
  return html`<p>Status: <span class="status status-${o.wallet.status}">${o.wallet.status}</span>${o.statusReason ? html` — <span class="status-reason">${o.statusReason}</span>` : null}</p>`;
}

export function moneyTiles(o: AgentOverview): Html {
  const w = o.wallet;
  const runway = w.runwayDays === null ? 'not spending' : `${w.runwayDays} days${o.runsOutOn ? ` (to ${o.runsOutOn})` : ''}`;
  return html`<div class="tiles">
<div class="tile"><span>Balance</span><b data-field="balance">${sats(w.balanceMsats)}</b></div>
<div class="tile"><span>Held in escrow</span><b data-field="held">${sats(w.heldMsats)}</b></div>
<div class="tile"><span>Available</span><b data-field="available">${sats(w.availableMsats)}</b></div>
<div class="tile"><span>Runway</span><b data-field="runway">${runway}</b></div>
</div>`;
}

export function spendingGauges(o: AgentOverview): Html {
  const s = o.spending;
  const daily =
    s.dailyLimitMsats === null
      ? html`<p class="gauge-row label">Spent today: <b data-field="spent-today">${sats(s.spentTodayMsats)}</b> (no daily limit)</p>`
      : html`<div class="gauge-row" data-gauge="daily">
<div class="label">Today: <b data-field="spent-today">${sats(s.spentTodayMsats)}</b> of the ${sats(s.dailyLimitMsats)} daily limit ${stateNote(s.dailyState)}</div>
${gauge(s.spentTodayMsats, s.dailyLimitMsats, Math.floor((s.dailyLimitMsats * DAILY_LIMIT_WARNING_PCT) / 100), s.dailyState)}
</div>`;
  return html`${daily}${s.budgets.map(budgetGauge)}`;
}

function budgetGauge(b: BudgetUsage): Html {
  const period = b.budget.period.toLowerCase();
  return html`<div class="gauge-row" data-gauge="budget-${b.budget.period}">
<div class="label">${b.budget.period} budget: spent <b>${sats(b.spentMsats)}</b> · limit ${sats(b.limitMsats)} · projected <span class="${b.projectedState === 'ok' ? '' : `state-${b.projectedState}`}">${sats(b.projectedMsats)}</span> by ${b.periodEnd} ${stateNote(b.state)}</div>
${gauge(b.spentMsats, b.limitMsats, b.alertMsats, b.state, b.projectedMsats)}
<div class="note">Alert at ${b.budget.alert_threshold_pct}% (${sats(b.alertMsats)}); past the limit: ${b.budget.overage_policy}.${b.limitReachedOn ? ` At the last 7 days' rate the limit is reached on ${b.limitReachedOn}, before this ${period} period ends.` : ''}</div>
</div>`;
}

function stateNote(state: BudgetUsage['state']): Html | null {
  if (state === 'warning') return html`<span class="state-warning">past the alert threshold</span>`;
  if (state === 'over') return html`<span class="state-over">over the limit</span>`;
  return null;
}

export function waitingLine(pendingApprovals: number, disputes: number, agentId: string): Html {
  if (pendingApprovals === 0 && disputes === 0) return html`<p class="note">Nothing waits for you.</p>`;
  return html`<p>Waiting: ${pendingApprovals ? html`<a href="/console/approvals?agent=${agentId}" data-field="pending-approvals">${pendingApprovals} approval${pendingApprovals === 1 ? '' : 's'}</a>` : null}${pendingApprovals && disputes ? ' · ' : ''}${disputes ? html`<span data-field="disputes">${disputes} open dispute${disputes === 1 ? '' : 's'}</span>` : null}</p>`;
}
