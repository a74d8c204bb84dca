// Charts drawn on the server as inline SVG, so they need no script (the console's CSP
// allows none): spend per day as bars against the daily limit, and budget gauges.
import type { DaySpend, GaugeState } from '../../domain/governance/spending.js';
import { gaugeState, DAILY_LIMIT_WARNING_PCT } from '../../domain/governance/spending.js';
import { html, sats, type Html } from './markup.js';

const WIDTH = 600;
const PLOT_TOP = 16;
const PLOT_LEFT = 8;
const PLOT_RIGHT = 8;
const LIMIT_SCALE_REACH = 1.5;

/**
 * One bar per day, oldest on the left; the daily limit as a dashed line when it fits the
 * scale. Each bar names its day and amount (an SVG title, read out and shown on hover).
 */
export function spendChart(days: DaySpend[], dailyLimitMsats: number | null, options: { compact?: boolean } = {}): Html {
  const height = options.compact ? 70 : 170;
  const plotBottom = height - (options.compact ? 4 : 18);
  const plotHeight = plotBottom - PLOT_TOP;
  const most = Math.max(...days.map((d) => d.spentMsats));
  // The limit joins the scale only when it is near the bars: a limit far above them would flatten them all.
  const limitShown = dailyLimitMsats !== null && dailyLimitMsats <= most * LIMIT_SCALE_REACH;
  const highest = Math.max(1, most, limitShown ? dailyLimitMsats : 0);
  const slot = (WIDTH - PLOT_LEFT - PLOT_RIGHT) / days.length;
  const y = (msats: number) => plotBottom - (msats / highest) * plotHeight;
  const total = days.reduce((sum, d) => sum + d.spentMsats, 0);
  const bars = days.map((d, i) => {
    const top = y(d.spentMsats);
    const state: GaugeState = dailyLimitMsats === null ? 'ok' : gaugeState(d.spentMsats, Math.floor((dailyLimitMsats * DAILY_LIMIT_WARNING_PCT) / 100), dailyLimitMsats);
    // A day with no spend still gets a sliver, so 30 days always show 30 bars.
    const barHeight = Math.max(1, plotBottom - top);
    return html`<rect class="bar ${state === 'ok' ? '' : state}" data-day="${d.day}" x="${(PLOT_LEFT + i * slot + slot * 0.15).toFixed(1)}" y="${(plotBottom - barHeight).toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${barHeight.toFixed(1)}"><title>${d.day}: ${sats(d.spentMsats)}</title></rect>`;
  });
  const limit =
    dailyLimitMsats === null || !limitShown
      ? null
      : html`<line class="limit" x1="${PLOT_LEFT}" x2="${WIDTH - PLOT_RIGHT}" y1="${y(dailyLimitMsats).toFixed(1)}" y2="${y(dailyLimitMsats).toFixed(1)}"><title>daily limit ${sats(dailyLimitMsats)}</title></line>`;
  const labels = options.compact
    ? null
    : html`<text x="${PLOT_LEFT}" y="${height - 4}">${days[0]?.day}</text><text x="${WIDTH - PLOT_RIGHT}" y="${height - 4}" text-anchor="end">${days[days.length - 1]?.day} (today)</text><text x="${PLOT_LEFT}" y="${PLOT_TOP - 5}">max ${sats(most)}${dailyLimitMsats !== null && !limitShown ? ` (daily limit ${sats(dailyLimitMsats)}, off the scale)` : ''}</text>`;
  return html`<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="Spend per day over the last ${days.length} days: ${sats(total)} in all">
<line class="axis" x1="${PLOT_LEFT}" x2="${WIDTH - PLOT_RIGHT}" y1="${plotBottom}" y2="${plotBottom}"></line>
${bars}
${limit}
${labels}
</svg>`;
}

/**
 * A gauge: spent as a filled bar coloured by state, what the period is projected to
 * reach as a lighter bar behind it, and the alert threshold as a dashed mark.
 */
export function gauge(spentMsats: number, limitMsats: number, alertMsats: number, state: GaugeState, projectedMsats?: number): Html {
  const scale = Math.max(limitMsats, spentMsats, projectedMsats ?? 0, 1);
  const pct = (msats: number) => ((Math.min(msats, scale) / scale) * 100).toFixed(1);
  return html`<svg class="gauge gauge-${state}" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label="${sats(spentMsats)} of ${sats(limitMsats)}${projectedMsats === undefined ? '' : `, projected ${sats(projectedMsats)}`}">
<rect class="track" x="0" y="0" width="${pct(limitMsats)}" height="10"></rect>
${projectedMsats === undefined ? null : html`<rect class="projected" x="0" y="3" width="${pct(projectedMsats)}" height="4"></rect>`}
<rect class="fill-${state}" x="0" y="0" width="${pct(spentMsats)}" height="10"></rect>
<line class="alert" x1="${pct(alertMsats)}" x2="${pct(alertMsats)}" y1="0" y2="10" vector-effect="non-scaling-stroke"></line>
</svg>`;
}
