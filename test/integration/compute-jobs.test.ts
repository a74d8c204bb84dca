// NIP-90 jobs end to end on a loopback relay with three scriptable providers: routing
// picks by score, Cascade moves on when the first goes silent, Broadcast pays only the
// result it uses, an invoice above the maximum price is never paid, a forged result is
// rejected, outcomes move reputation, encrypted requests stay unreadable on the relay,
// long jobs report progress, and a cancelled job stops and withdraws its requests.
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SimplePool } from 'nostr-tools/pool';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/context.js';
import { failStaleJobs, reserveJob } from '../../src/domain/compute/jobs.js';
import { agentAccountId } from '../../src/domain/ledger/accounts.js';
import { createHttpApp, listen } from '../../src/http/app.js';
import { getBalance } from '../../src/domain/ledger/transfers.js';
import { verifyLedger } from '../../src/domain/ledger/verify.js';
import { call, closeContexts, connect, fundedAgent, makeContext, ManualClock, operatorToken } from '../support/fixtures.js';
import { startDvm, type Behaviour } from '../support/dvm.js';
import { startRelay } from '../support/relay.js';

let relay: Awaited<ReturnType<typeof startRelay>>;
const dvms: { close(): void }[] = [];
beforeEach(async () => {
  relay = await startRelay();
});
afterEach(async () => {
  await closeContexts();
  for (const d of dvms.splice(0)) d.close();
  await relay.close();
});

const MAY_BUY = { level: 'SemiAutonomous', action_limits: { max_transaction_sats: 1_000 } };

async function market(providers: { name: string; behaviour: Behaviour; price: number; region?: string; residency?: string[] }[]) {
  const ctx = await makeContext({ clock: new ManualClock(new Date().toISOString()), config: { relays: [relay.url], network: 'regtest', autoApproveProviders: true } });
  const { sponsor, agent } = await fundedAgent(ctx, 5_000);
  const sponsorClient = await connect(ctx, sponsor.token);
  await call(sponsorClient, 'marketplace_set_policy', { agent_id: agent.id, policy: MAY_BUY });
  const ids: Record<string, string> = {};
  const machines: Record<string, Awaited<ReturnType<typeof startDvm>>> = {};
  for (const p of providers) {
    const dvm = await startDvm(relay.url, { behaviour: p.behaviour });
    dvms.push(dvm);
    machines[p.name] = dvm;
    // Providers registered by their own agents, approved automatically for the test.
    const { agent: seller } = await fundedAgent(ctx, 0);
    ctx.db.sqlite!.prepare('UPDATE agents SET npub = ? WHERE id = ?').run(dvm.npub, seller.id);
    const r = await call(await connect(ctx, seller.token), 'marketplace_register_provider', {
      name: p.name,
      kinds: [5050],
      price_sats: p.price,
      regions: [p.region ?? 'eu'],
      data_residency: p.residency,
    });
    ids[p.name] = r.data.provider_id;
  }
  return { ctx, agent, sponsorClient, client: await connect(ctx, agent.token), ids, machines };
}

const wallet = (ctx: AppContext, id: string) => getBalance(ctx.db, agentAccountId(id));
/** Invoices the marketplace paid on the sandbox rail (payment hashes). */
const paidHashes = (ctx: AppContext) =>
  (ctx.db.sqlite!.prepare("SELECT payment_hash AS h FROM sandbox_invoices WHERE direction = 'outgoing'").all() as { h: string }[]).map((r) => r.h);
const outcomes = (job: { attempts: { provider_id: string; outcome: string }[] }) => Object.fromEntries(job.attempts.map((a) => [a.provider_id, a.outcome]));
const until = async (check: () => boolean) => {
  while (!check()) await new Promise((r) => setTimeout(r, 20));
};

describe('compute jobs over NIP-90', () => {
  it('route to the best provider and cascade past a silent one', async () => {
    const { ctx, agent, client, ids, machines } = await market([
      { name: 'cheap-but-silent', behaviour: 'silent', price: 1 },
      { name: 'answers', behaviour: 'answer', price: 50 },
      { name: 'dear', behaviour: 'answer', price: 400 },
    ]);
    const done = await call(client, 'marketplace_submit_compute_job', {
      kind: 5050,
      input: 'hello',
      max_price_sats: 500,
      timeout_seconds: 3,
      failover_policy: 'Cascade',
      criteria: { weights: { reputation: 0, price: 1, latency: 0 } },
    });
    expect(done.data).toMatchObject({ status: 'completed', provider_id: ids.answers, untrusted_result: 'echo: hello', cost_sats: 0 });
    expect(done.data.attempts.map((a: { provider_id: string; outcome: string }) => [a.provider_id, a.outcome])).toEqual([
      [ids['cheap-but-silent'], 'retry'],
      [ids['cheap-but-silent'], 'failed'],
      [ids.answers, 'completed'],
    ]);
    expect(machines.dear!.requests).toHaveLength(0);
    expect(await wallet(ctx, agent.id)).toMatchObject({ balanceMsats: 5_000_000, heldMsats: 0 });
    // Outcomes move reputation: the silent provider has a failure, the other a success.
    const silent = (await call(client, 'marketplace_get_provider', { provider_id: ids['cheap-but-silent'] })).data;
    const good = (await call(client, 'marketplace_get_provider', { provider_id: ids.answers })).data;
    expect(silent.reputation).toMatchObject({ jobs_failed: 1, jobs_completed: 0 });
    expect(good.reputation.jobs_completed).toBe(1);
    expect(good.score).toBeGreaterThan(silent.score);
    expect((await call(client, 'marketplace_get_compute_job', { job_id: done.data.job_id })).data.status).toBe('completed');
  });

  it('pay an invoice within the maximum price and never one above it', async () => {
    const { ctx, agent, client, ids } = await market([
      { name: 'greedy', behaviour: { pay: 800_000 }, price: 1 },
      { name: 'fair', behaviour: { pay: 30_000 }, price: 2 },
    ]);
    const done = await call(client, 'marketplace_submit_compute_job', {
      kind: 5050,
      input: 'x',
      max_price_sats: 100,
      timeout_seconds: 3,
      criteria: { weights: { reputation: 0, price: 1, latency: 0 } },
    });
    expect(done.data).toMatchObject({ status: 'completed', provider_id: ids.fair, cost_sats: 30 });
    expect(done.data.attempts[0]).toMatchObject({ provider_id: ids.greedy, outcome: 'failed', detail: expect.stringMatching(/more than the job's remaining maximum/) });
    expect(await wallet(ctx, agent.id)).toMatchObject({ balanceMsats: 4_970_000, heldMsats: 0 });
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('reject a result for another request, and a provider error, moving on; retry with backoff stays with one provider', async () => {
    const { client, ids, machines } = await market([
      { name: 'confused', behaviour: 'wrong-request', price: 1 },
      { name: 'broken', behaviour: 'error', price: 2 },
      { name: 'fine', behaviour: 'answer', price: 3 },
    ]);
    const r = await call(client, 'marketplace_submit_compute_job', {
      kind: 5050,
      input: 'x',
      max_price_sats: 10,
      timeout_seconds: 4,
      failover_policy: 'Cascade',
      criteria: { weights: { reputation: 0, price: 1, latency: 0 } },
    });
    expect(r.data).toMatchObject({ status: 'completed', provider_id: ids.fine });
    expect(r.data.attempts.find((a: { provider_id: string }) => a.provider_id === ids.broken)).toMatchObject({ outcome: 'failed', untrusted_provider_message: 'GPU on fire' });
    machines.fine!.behaviour = 'silent';
    const delays: number[] = [];
    const retried = (
      await client.callTool(
        {
          name: 'marketplace_submit_compute_job',
          arguments: { kind: 5050, input: 'y', max_price_sats: 10, timeout_seconds: 5, failover_policy: 'RetryWithBackoff', criteria: { provider_ids: [ids.fine!] } },
        },
        undefined,
        {
          onprogress: (p) => {
            const retry = /Retrying provider \S+ in (\d+) ms/.exec(p.message ?? '');
            if (retry) delays.push(Number(retry[1]));
          },
        },
      )
    ).structuredContent as { status: string; attempts: { provider_id: string }[] };
    expect(retried.status).toBe('failed');
    expect(new Set(retried.attempts.map((a) => a.provider_id))).toEqual(new Set([ids.fine]));
    expect(retried.attempts.length).toBeGreaterThanOrEqual(2);
    // Backoff grows: 1 s, then 2 s, … (each with up to 20% jitter).
    expect(delays.length).toBeGreaterThanOrEqual(2);
    delays.forEach((d, i) => expect(d).toBeGreaterThanOrEqual(1000 * 2 ** i));
    delays.forEach((d, i) => expect(d).toBeLessThanOrEqual(1200 * 2 ** i));
  });

  it("keep a provider's own error text apart, marked untrusted, out of the attempt's detail and the job's error", async () => {
    const { ctx, agent, client, ids } = await market([{ name: 'broken', behaviour: 'error', price: 1 }]);
    const r = await call(client, 'marketplace_submit_compute_job', { kind: 5050, input: 'x', max_price_sats: 10, timeout_seconds: 3, failover_policy: 'NoFailover' });
    expect(r.data).toMatchObject({ status: 'failed', attempts: [{ provider_id: ids.broken, outcome: 'failed', untrusted_provider_message: 'GPU on fire' }] });
    const read = (await call(client, 'marketplace_get_compute_job', { job_id: r.data.job_id })).data;
    expect(read.attempts).toEqual(r.data.attempts);
    // Our own words only, pointing to where the provider's are.
    for (const text of [read.error, read.attempts[0].detail]) {
      expect(text).toMatch(/the provider reported an error/);
      expect(text).not.toMatch(/GPU on fire/);
    }
    expect(await wallet(ctx, agent.id)).toMatchObject({ balanceMsats: 5_000_000, heldMsats: 0 });
  });

  it('ask at least 1 sat of maximum price, and run on a free provider for nothing', async () => {
    const { ctx, agent, client, ids } = await market([{ name: 'free', behaviour: 'answer', price: 0 }]);
    const zero = await call(client, 'marketplace_submit_compute_job', { kind: 5050, input: 'x', max_price_sats: 0, timeout_seconds: 3 });
    expect(zero.data.error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/max_price_sats: must be at least 1 sat.*free providers/) });
    expect(zero.data.error.details.issues.map((i: { path: string }) => i.path)).toEqual(['max_price_sats']);
    expect(ctx.db.sqlite!.prepare('SELECT COUNT(*) AS n FROM compute_jobs').get()).toEqual({ n: 0 });
    // One sat is held while the job runs; the free provider is paid nothing, so it all comes back.
    const one = await call(client, 'marketplace_submit_compute_job', { kind: 5050, input: 'x', max_price_sats: 1, timeout_seconds: 3 });
    expect(one.data).toMatchObject({ status: 'completed', provider_id: ids.free, cost_sats: 0, untrusted_result: 'echo: x' });
    expect(await wallet(ctx, agent.id)).toMatchObject({ balanceMsats: 5_000_000, heldMsats: 0 });
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('reject a forged result and stop with NoFailover', async () => {
    const { ctx, agent, client } = await market([{ name: 'forger', behaviour: 'forged', price: 1 }]);
    const forged = await call(client, 'marketplace_submit_compute_job', { kind: 5050, input: 'x', max_price_sats: 10, timeout_seconds: 1, failover_policy: 'NoFailover' });
    expect(forged.data).toMatchObject({ status: 'failed', untrusted_result: null });
    expect((await wallet(ctx, agent.id)).heldMsats).toBe(0);
    const op = await connect(ctx, await operatorToken(ctx));
    expect((await call(op, 'marketplace_list_providers', {})).data.items[0].reputation.jobs_failed).toBe(1);
  });

  it('are ended by the sweep when the process running them stopped, releasing the hold', async () => {
    const { ctx, agent } = await market([{ name: 'any', behaviour: 'answer', price: 1 }]);
    // Reserved as the gate would, but never run (the server stopped right after).
    const job = await reserveJob(ctx.db, ctx.clock, ctx.rail.name, {
      agentId: agent.id,
      kind: 5050,
      input: [{ data: 'x', type: 'text' }],
      params: {},
      maxPriceSats: 20,
      criteria: {},
      failoverPolicy: 'Cascade',
      timeoutSeconds: 60,
      encrypted: false,
    });
    expect((await wallet(ctx, agent.id)).heldMsats).toBe(20_000);
    expect(await failStaleJobs(ctx.db, ctx.clock)).toBe(0);
    (ctx.clock as ManualClock).advance(3 * 60_000 + 1);
    expect(await failStaleJobs(ctx.db, ctx.clock)).toBe(1);
    expect((await call(await connect(ctx, agent.token), 'marketplace_get_compute_job', { job_id: job.job_id })).data).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/Interrupted/),
    });
    expect((await wallet(ctx, agent.id)).heldMsats).toBe(0);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('keep data in its region: no provider outside it is asked', async () => {
    const { client, machines } = await market([
      { name: 'us', behaviour: 'answer', price: 1, region: 'us' },
      { name: 'eu', behaviour: 'silent', price: 50, region: 'eu' },
    ]);
    const r = await call(client, 'marketplace_submit_compute_job', {
      kind: 5050,
      input: 'secret',
      max_price_sats: 100,
      timeout_seconds: 1,
      failover_policy: 'Cascade',
      criteria: { regions: ['eu'] },
    });
    expect(r.data.status).toBe('failed');
    expect(machines.us!.requests).toHaveLength(0);
  });

  it("hold the sponsor's geo policy whatever the job asks: its data never leaves the allowed regions", async () => {
    const { client, sponsorClient, agent, ids, machines } = await market([
      { name: 'us-cheap', behaviour: 'answer', price: 1, region: 'us' },
      { name: 'eu-no-promise', behaviour: 'answer', price: 20, region: 'eu' },
      { name: 'eu', behaviour: 'answer', price: 50, region: 'eu', residency: ['eu'] },
    ]);
    await call(sponsorClient, 'marketplace_set_policy', { agent_id: agent.id, policy: { ...MAY_BUY, compute_geo: { allowed_regions: ['EU'], data_residency: ['eu'] } } });
    const r = await call(client, 'marketplace_submit_compute_job', {
      kind: 5050,
      input: 'patient records',
      max_price_sats: 100,
      timeout_seconds: 3,
      criteria: { weights: { reputation: 0, price: 1, latency: 0 } },
    });
    expect(r.data).toMatchObject({ status: 'completed', provider_id: ids.eu });
    // Cheaper providers outside the region, or in it without promising residency, were never asked.
    expect(machines['us-cheap']!.requests).toHaveLength(0);
    expect(machines['eu-no-promise']!.requests).toHaveLength(0);
    const outside = await call(client, 'marketplace_submit_compute_job', { kind: 5050, input: 'x', max_price_sats: 100, criteria: { regions: ['us'] } });
    expect(outside.data.error).toMatchObject({ code: 'POLICY_DENIED', details: { rule: 'compute_geo' } });
  });

  it('broadcast to the top providers and pay only the result used', async () => {
    const { ctx, agent, client, ids, machines } = await market([
      { name: 'fast', behaviour: { postpaid: 20_000 }, price: 20 },
      { name: 'slow', behaviour: { postpaid: 30_000, delayMs: 1_500 }, price: 30 },
      { name: 'free-but-slower', behaviour: { delayMs: 1_500 }, price: 0 },
    ]);
    const r = await call(client, 'marketplace_submit_compute_job', { kind: 5050, input: 'race', max_price_sats: 100, timeout_seconds: 5, failover_policy: 'Broadcast' });
    expect(r.data).toMatchObject({ status: 'completed', provider_id: ids.fast, untrusted_result: 'echo: race', cost_sats: 20 });
    // Everyone was asked at once; only the winner's invoice was paid.
    for (const m of Object.values(machines)) expect(m.requests).toHaveLength(1);
    expect(paidHashes(ctx)).toEqual(machines.fast!.invoices);
    expect(outcomes(r.data)).toEqual({ [ids.fast!]: 'completed', [ids.slow!]: 'cancelled', [ids['free-but-slower']!]: 'cancelled' });
    expect(await wallet(ctx, agent.id)).toMatchObject({ balanceMsats: 4_980_000, heldMsats: 0 });
    // The losers' requests are withdrawn (NIP-09), the winner's stays.
    const pool = new SimplePool();
    const [deletion] = await pool.querySync([relay.url], { kinds: [5] }, { maxWait: 1_000 });
    pool.close([relay.url]);
    expect(new Set(deletion!.tags.filter((t) => t[0] === 'e').map((t) => t[1]))).toEqual(new Set([machines.slow!.requests[0]!.id, machines['free-but-slower']!.requests[0]!.id]));
    // Losing a race is not a failure: the others' reputations are untouched.
    const op = await connect(ctx, await operatorToken(ctx));
    expect((await call(op, 'marketplace_get_provider', { provider_id: ids.slow })).data.reputation).toMatchObject({ jobs_completed: 0, jobs_failed: 0 });
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('broadcast commits to the provider it paid first and never pays a second', async () => {
    const { ctx, client, ids, machines } = await market([
      { name: 'prepaid-slow', behaviour: { pay: 10_000, delayMs: 1_200 }, price: 10 },
      { name: 'postpaid', behaviour: { postpaid: 5_000, delayMs: 400 }, price: 5 },
    ]);
    const r = await call(client, 'marketplace_submit_compute_job', { kind: 5050, input: 'x', max_price_sats: 50, timeout_seconds: 5, failover_policy: 'Broadcast' });
    expect(r.data).toMatchObject({ status: 'completed', provider_id: ids['prepaid-slow'], cost_sats: 10 });
    expect(paidHashes(ctx)).toEqual(machines['prepaid-slow']!.invoices);
    expect(r.data.attempts.find((a: { provider_id: string }) => a.provider_id === ids.postpaid)).toMatchObject({
      outcome: 'cancelled',
      detail: expect.stringMatching(/already paid/),
    });
  });

  it('send encrypted requests only the provider can read, and read its encrypted result', async () => {
    const { client, machines } = await market([{ name: 'private', behaviour: 'answer', price: 1 }]);
    const r = await call(client, 'marketplace_submit_compute_job', {
      kind: 5050,
      input: 'my secret prompt',
      params: { model: 'llama' },
      max_price_sats: 10,
      timeout_seconds: 3,
      encrypt: true,
    });
    expect(r.data).toMatchObject({ status: 'completed', encrypted: true, untrusted_result: 'echo: my secret prompt' });
    const [request] = machines.private!.requests;
    expect(request!.tags.filter((t) => t[0] === 'i' || t[0] === 'param')).toEqual([]);
    expect(request!.content).not.toContain('secret');
    expect(machines.private!.read[0]).toEqual([
      ['i', 'my secret prompt', 'text'],
      ['param', 'model', 'llama'],
    ]);
  });

  it('report progress to a client that asks for it', async () => {
    const { client } = await market([{ name: 'thinker', behaviour: { delayMs: 300 }, price: 1 }]);
    const messages: string[] = [];
    const result = await client.callTool({ name: 'marketplace_submit_compute_job', arguments: { kind: 5050, input: 'x', max_price_sats: 10, timeout_seconds: 3 } }, undefined, {
      onprogress: (p) => messages.push(p.message ?? ''),
    });
    expect(result.structuredContent).toMatchObject({ status: 'completed' });
    expect(messages.some((m) => /Asking provider/.test(m))).toBe(true);
    expect(messages.some((m) => /processing \(warming up\)/.test(m))).toBe(true);
  });

  it('report progress over Streamable HTTP too (the answer streams when the call asks for progress)', async () => {
    const { ctx, agent } = await market([{ name: 'thinker', behaviour: { delayMs: 300 }, price: 1 }]);
    const http = await listen(createHttpApp(ctx), '127.0.0.1', 0);
    try {
      const client = new Client({ name: 'http-progress', version: '1.0.0' });
      const url = new URL(`http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`);
      await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { Authorization: `Bearer ${agent.token}` } } }));
      const messages: string[] = [];
      const result = await client.callTool({ name: 'marketplace_submit_compute_job', arguments: { kind: 5050, input: 'x', max_price_sats: 10, timeout_seconds: 3 } }, undefined, {
        onprogress: (p) => messages.push(p.message ?? ''),
      });
      expect(result.structuredContent).toMatchObject({ status: 'completed', untrusted_result: 'echo: x' });
      expect(messages.some((m) => /processing \(warming up\)/.test(m))).toBe(true);
      await client.close();
    } finally {
      await new Promise<void>((done) => http.close(() => done()));
    }
  });

  it('cancel a running job: it stops, releases the hold and withdraws its request (NIP-09)', async () => {
    const { ctx, agent, client, machines } = await market([{ name: 'never', behaviour: 'silent', price: 1 }]);
    const submitted = call(client, 'marketplace_submit_compute_job', { kind: 5050, input: 'x', max_price_sats: 40, timeout_seconds: 60, failover_policy: 'NoFailover' });
    await until(() => machines.never!.requests.length === 1);
    const jobId = (ctx.db.sqlite!.prepare('SELECT id FROM compute_jobs').get() as { id: string }).id;
    const cancelled = await call(await connect(ctx, agent.token), 'marketplace_cancel_compute_job', { job_id: jobId });
    expect(cancelled.data).toMatchObject({ status: 'cancelled', cost_sats: 0 });
    expect((await submitted).data).toMatchObject({ status: 'cancelled' });
    expect(await wallet(ctx, agent.id)).toMatchObject({ balanceMsats: 5_000_000, heldMsats: 0 });
    const pool = new SimplePool();
    const requestId = machines.never!.requests[0]!.id;
    const deletions = await pool.querySync([relay.url], { kinds: [5] }, { maxWait: 1_000 });
    expect(deletions.map((e) => e.tags)).toEqual([
      [
        ['e', requestId],
        ['k', '5050'],
      ],
    ]);
    expect(await pool.querySync([relay.url], { ids: [requestId] }, { maxWait: 1_000 })).toEqual([]);
    pool.close([relay.url]);
    // Again: no change. A finished job cannot be cancelled.
    expect((await call(client, 'marketplace_cancel_compute_job', { job_id: jobId })).data.status).toBe('cancelled');
    const done = await call(client, 'marketplace_submit_compute_job', { kind: 5050, input: 'y', max_price_sats: 5, timeout_seconds: 1, failover_policy: 'NoFailover' });
    expect((await call(client, 'marketplace_cancel_compute_job', { job_id: done.data.job_id })).data.error.code).toBe('CONFLICT');
  });

  it('cancel a job no process is running (left queued by a stopped server)', async () => {
    const { ctx, agent, client } = await market([{ name: 'any', behaviour: 'answer', price: 1 }]);
    const job = await reserveJob(ctx.db, ctx.clock, ctx.rail.name, {
      agentId: agent.id,
      kind: 5050,
      input: [{ data: 'x', type: 'text' }],
      params: {},
      maxPriceSats: 20,
      criteria: {},
      failoverPolicy: 'Cascade',
      timeoutSeconds: 60,
      encrypted: false,
    });
    expect((await call(client, 'marketplace_cancel_compute_job', { job_id: job.job_id })).data).toMatchObject({ status: 'cancelled' });
    expect((await wallet(ctx, agent.id)).heldMsats).toBe(0);
    const { agent: other } = await fundedAgent(ctx, 0);
    expect((await call(await connect(ctx, other.token), 'marketplace_cancel_compute_job', { job_id: job.job_id })).data.error.code).toBe('NOT_FOUND');
  });
});
