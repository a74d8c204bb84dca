// The console's markup. Everything an agent, a creator or a claimant wrote (names, memos,
// arguments, reasons, skill files, evidence) is untrusted, so every value interpolated
// into `html` is escaped unless it is itself already-built markup.
import { formatSats, msatsToSats } from '../../domain/money.js';

/** Markup that is already safe; anything else interpolated into `html` is escaped. */
export class Html {
  constructor(readonly text: string) {}
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  return new Html(strings.reduce((out, s, i) => out + fragment(values[i - 1]) + s));
}

function fragment(value: unknown): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(fragment).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** Whole sats of a millisat amount, as a person reads it ("1,250 sats"). */
export function sats(msats: number): string {
  return formatSats(msatsToSats(msats));
}

/** An ISO time as "2026-11-23 12:00 UTC": the console shows UTC, as budgets and limits count in it. */
export function when(iso: string | null | undefined): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : '—';
}

/** A link to a console path with these query parameters (empty ones left out). */
export function href(path: string, query: Record<string, string | null | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) params.set(k, v);
  const q = params.toString();
  return q ? `${path}?${q}` : path;
}

const STYLE = `
:root { --ok: #2e7d32; --warning: #c77700; --over: #c62828; --muted: #666; --line: #ddd; }
body { font: 15px/1.5 system-ui, sans-serif; max-width: 68rem; margin: 0 auto; padding: 0 1rem 3rem; color: #1a1a1a; }
header { display: flex; gap: 1.25rem; align-items: center; border-bottom: 1px solid var(--line); padding: .6rem 0; margin-bottom: 1rem; flex-wrap: wrap; }
header .brand { font-weight: 700; margin-right: auto; } header form { margin: 0; } header button { margin: 0; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; } h2 { font-size: 1.15rem; margin: 1.75rem 0 .5rem; } h3 { font-size: 1rem; margin: 1rem 0 .25rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: .5rem 0; }
dt { font-weight: 600; } dd { margin: 0; overflow-wrap: anywhere; }
pre { background: #f4f4f4; padding: .6rem; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 28rem; overflow: auto; margin: .25rem 0; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; } th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: break-word; }
td code { word-break: break-all; }
th { font-weight: 600; background: #fafafa; } td.num, th.num { text-align: right; white-space: nowrap; }
.note { color: var(--muted); font-size: .875rem; } .error { color: var(--over); font-weight: 600; } .notice { color: var(--ok); font-weight: 600; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(20rem, 1fr)); gap: 1rem; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; }
.card h2 { margin-top: 0; }
.status { font-weight: 700; } .status-Active { color: var(--ok); } .status-LowBalance { color: var(--warning); } .status-Suspended, .status-Terminated { color: var(--over); }
.tiles { display: flex; gap: .5rem; flex-wrap: wrap; margin: .5rem 0; }
.tile { border: 1px solid var(--line); border-radius: 4px; padding: .25rem .6rem; min-width: 6rem; }
.tile b { display: block; font-size: 1.05rem; } .tile span { color: var(--muted); font-size: .8rem; }
.gauge-row { margin: .4rem 0; } .gauge-row .label { font-size: .85rem; }
svg.gauge { display: block; width: 100%; height: 14px; }
svg.gauge .track { fill: #eee; } svg.gauge .projected { fill: #bbb; }
svg.gauge .fill-ok, .chart .bar { fill: var(--ok); } svg.gauge .fill-warning, .chart .bar.warning { fill: var(--warning); } svg.gauge .fill-over, .chart .bar.over { fill: var(--over); }
svg.gauge .alert, .chart .limit { stroke: #333; stroke-width: 1.5; stroke-dasharray: 3 2; }
.state-warning { color: var(--warning); font-weight: 600; } .state-over { color: var(--over); font-weight: 600; }
svg.chart { display: block; width: 100%; max-width: 44rem; height: auto; } .chart text { font-size: 10px; fill: var(--muted); } .chart .axis { stroke: #999; }
.spark svg.chart { max-width: 100%; }
form { margin: .75rem 0; } form.inline { display: inline; margin: 0; }
input[type=text], input[type=password], input:not([type]), select, textarea { padding: .35rem; box-sizing: border-box; font: inherit; }
input.wide, textarea { width: 100%; } textarea { font-family: ui-monospace, monospace; font-size: .85rem; min-height: 18rem; }
button { padding: .35rem .9rem; margin: .4rem .4rem 0 0; font: inherit; cursor: pointer; }
button.danger { color: #fff; background: var(--over); border: 1px solid var(--over); }
.filters { display: flex; gap: .5rem; align-items: end; flex-wrap: wrap; } .filters label { display: flex; flex-direction: column; font-size: .8rem; }
.pager { margin: .5rem 0; }
details > summary { cursor: pointer; }
.finding { color: var(--over); font-size: .85rem; margin: 0 0 .5rem; }
`;

export interface Nav {
  /** Who is signed in, as the header names them. */
  who: string;
  links: { href: string; label: string }[];
  /** The session's CSRF token, for the sign-out form. */
  csrf: string;
}

export function layout(title: string, body: Html, nav?: Nav): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · agent-marketplace</title>
<style>${new Html(STYLE)}</style>
</head>
<body>
${nav ? header(nav) : html`<header><span class="brand">agent-marketplace console</span></header>`}
<main>
${body}
</main>
</body>
</html>
`;
}

function header(nav: Nav): Html {
  return html`<header>
<span class="brand">agent-marketplace console</span>
<nav>${nav.links.map((l) => html`<a href="${l.href}">${l.label}</a> `)}</nav>
<span class="note">${nav.who}</span>
<form class="inline" method="post" action="/console/logout">
<input type="hidden" name="csrf" value="${nav.csrf}">
<button type="submit">Sign out</button>
</form>
</header>`;
}

export function messagePage(title: string, message: string, back: { href: string; label: string } = { href: '/console', label: 'Console' }, nav?: Nav): Html {
  return layout(title, html`<h1>${title}</h1><p role="alert">${message}</p><p><a href="${back.href}">${back.label}</a></p>`, nav);
}
