// The console's home: each of the sponsor's agents at a glance (status, money, runway,
// today's spend against its limit, budget gauges, 30 days of spend) and what waits.
import type express from 'express';
import type { AppContext } from '../../context.js';
import { listSponsorAgents } from '../../db/identity-store.js';
import { listApprovalsPage } from '../../domain/governance/approvals.js';
import { MAX_PAGE_SIZE } from '../../domain/pagination.js';
import { agentOverview, CHART_DAYS, type AgentOverview } from './agent-overview.js';
import { spendChart } from './charts.js';
import { html, layout, sats, type Html } from './markup.js';
import { guarded, HOME, navOf, send } from './requests.js';
import { currentViewer, type SponsorViewer } from './session.js';
import { signInPage } from './sign-in-page.js';
import { moneyTiles, spendingGauges, statusLine, waitingLine } from './spending-view.js';
import { mapInOrder } from '../../core/in-order.js';

export function homeRoutes(router: express.Router, ctx: AppContext, pageHeaders: express.RequestHandler): void {
  router.get(
    HOME,
    pageHeaders,
    guarded(ctx, async (req, res) => {
      const viewer = await currentViewer(ctx, req);
      if (!viewer) return send(res, 200, signInPage(null));
      if (viewer.role === 'operator') return res.redirect(303, '/console/operator');
      send(res, 200, await homePage(ctx, viewer));
    }),
  );
}

async function homePage(ctx: AppContext, viewer: SponsorViewer): Promise<Html> {
  const agents = await listSponsorAgents(ctx.db, viewer.sponsorId);
  const pending = (await listApprovalsPage(ctx.db, ctx.clock, { sponsorId: viewer.sponsorId, status: 'pending', limit: MAX_PAGE_SIZE })).items;
  const waiting = new Map<string, number>();
  for (const a of pending) waiting.set(a.agent_id, (waiting.get(a.agent_id) ?? 0) + 1);
  const cards = await mapInOrder(agents, async (agent) => agentCard(agent.id, agent.name, await agentOverview(ctx, viewer.sponsorId, agent.id), waiting.get(agent.id) ?? 0));
  return layout(
    'Your agents',
    html`<h1>Your agents</h1>
${pending.length ? html`<p><a href="/console/approvals"><b>${pending.length}${pending.length === MAX_PAGE_SIZE ? '+' : ''} approval${pending.length === 1 ? '' : 's'} waiting for you</b></a></p>` : null}
${agents.length ? html`<div class="cards">${cards}</div>` : html`<p>You have no agents yet. Create one with <code>agent-marketplace agent create --sponsor ${viewer.sponsorId} --name NAME</code>.</p>`}`,
    navOf(viewer),
  );
}

function agentCard(agentId: string, name: string, o: AgentOverview, pendingApprovals: number): Html {
  const spent30 = o.days.reduce((sum, d) => sum + d.spentMsats, 0);
  return html`<section class="card agent" data-agent="${agentId}">
<h2><a href="/console/agents/${agentId}">${name}</a></h2>
${statusLine(o)}
${moneyTiles(o)}
${spendingGauges(o)}
<div class="spark"><div class="note">Spent in the last ${CHART_DAYS} days: <b data-field="spent-30">${sats(spent30)}</b></div>${spendChart(o.days, o.spending.dailyLimitMsats, { compact: true })}</div>
${waitingLine(pendingApprovals, o.disputes.length, agentId)}
</section>`;
}
