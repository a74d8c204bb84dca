// Running a compute job over NIP-90: publish the request to the chosen provider, follow
// its kind-7000 feedback, pay a `payment-required` invoice through the payment rail only
// when it fits what is left of the job's maximum price, and take the first result signed
// by that provider that answers our request. The failover policy decides what a failed
// attempt leads to. Signatures are checked by nostr-tools' pool on every event it hands
// us; we also check the author and the request it answers.
import { SimplePool, useWebSocketImplementation } from 'nostr-tools/pool';
import { finalizeEvent, type Event } from 'nostr-tools/pure';
import WebSocket from 'ws';
import type { AppContext } from '../context.js';
import * as identity from '../db/identity-store.js';
import { claimJob, completeJob, failJob, jobChain, jobView, noteAttempt, notePaid, remainingMsats, requireJob } from '../domain/compute/jobs.js';
import { afterFailure, RETRIES, type AttemptError, type FailoverPolicy } from '../domain/compute/routing.js';
import { signingKey } from '../domain/data/grants.js';
import { isMarketError } from '../domain/errors.js';
import { checkInvoice } from '../domain/payments/invoice-check.js';
import { RailError } from '../domain/payments/rail.js';

useWebSocketImplementation(WebSocket);

export const FEEDBACK_KIND = 7000;
type Outcome = { ok: true; result: string; responseMs: number } | { ok: false; error: AttemptError; detail: string };

/** The key requests are signed with: the agent's own, or the marketplace's for an imported npub. */
function requesterKey(ctx: AppContext, agentId: string): Uint8Array {
  const secret = identity.getAgent(ctx.db, agentId)?.nostrSecretKey;
  return secret ? Uint8Array.from(Buffer.from(secret, 'hex')) : signingKey(ctx.db, ctx.clock);
}

export async function runJob(ctx: AppContext, jobId: string, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))) {
  if (!claimJob(ctx.db, ctx.clock, jobId)) return jobView(requireJob(ctx.db, jobId));
  const job = requireJob(ctx.db, jobId);
  const relays = ctx.config.relays;
  if (relays.length === 0) {
    failJob(ctx.db, ctx.clock, jobId, 'No relays are configured (--relay): the marketplace cannot reach compute providers.');
    return jobView(requireJob(ctx.db, jobId));
  }
  const pool = new SimplePool();
  const policy = job.failoverPolicy as FailoverPolicy;
  const deadline = Date.now() + job.timeoutSeconds * 1000;
  try {
    const chain = jobChain(ctx.db, job);
    for (let i = 0; i < chain.length; i++) {
      const provider = chain[i]!;
      for (let attempt = 1; ; attempt++) {
        // The time left is shared by the attempts that may still come: the other providers and this one's retries.
        const slots = chain.length - i + Math.max(0, RETRIES[policy] + 1 - attempt);
        const outcome = await attemptAt(ctx, pool, relays, jobId, provider, Math.max(0, deadline - Date.now()) / slots);
        if (outcome.ok) {
          noteAttempt(ctx.db, ctx.clock, jobId, { provider_id: provider.id, outcome: 'completed', detail: 'result received', response_ms: outcome.responseMs });
          completeJob(ctx.db, ctx.clock, jobId, provider.id, outcome.result);
          return jobView(requireJob(ctx.db, jobId));
        }
        const next = afterFailure(policy, outcome.error, attempt);
        noteAttempt(ctx.db, ctx.clock, jobId, { provider_id: provider.id, outcome: next.action === 'retry' ? 'retry' : 'failed', detail: `${outcome.error}: ${outcome.detail}` });
        if (next.action === 'stop') {
          failJob(ctx.db, ctx.clock, jobId, outcome.detail);
          return jobView(requireJob(ctx.db, jobId));
        }
        if (next.action === 'next_provider' || Date.now() >= deadline) break;
        await sleep(next.delayMs);
      }
    }
    failJob(ctx.db, ctx.clock, jobId, 'No provider in the chain returned a result.');
    return jobView(requireJob(ctx.db, jobId));
  } catch (error) {
    failJob(ctx.db, ctx.clock, jobId, isMarketError(error) ? error.message : 'The job failed unexpectedly.');
    throw error;
  } finally {
    pool.close(relays);
  }
}

async function attemptAt(ctx: AppContext, pool: SimplePool, relays: string[], jobId: string, provider: { id: string; pubkey: string }, timeoutMs: number): Promise<Outcome> {
  const job = requireJob(ctx.db, jobId);
  const started = Date.now();
  const request = finalizeEvent(
    {
      kind: job.kind,
      created_at: Math.floor(started / 1000),
      tags: [
        ...(JSON.parse(job.input) as { data: string; type: string }[]).map((i) => ['i', i.data, i.type]),
        ...Object.entries(JSON.parse(job.params) as Record<string, string>).map(([k, v]) => ['param', k, v]),
        ['bid', String(remainingMsats(ctx.db, jobId))],
        ['p', provider.pubkey],
      ],
      content: '',
    },
    requesterKey(ctx, job.agentId),
  );
  return new Promise<Outcome>((resolve) => {
    let settled = false;
    let paying = false;
    const finish = (o: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sub.close();
      resolve(o);
    };
    const timer = setTimeout(() => finish({ ok: false, error: 'timeout', detail: `no result within ${Math.round(timeoutMs)} ms` }), timeoutMs);
    const onEvent = async (e: Event) => {
      // Only the provider we asked, answering the request we sent.
      if (e.pubkey !== provider.pubkey || !e.tags.some((t) => t[0] === 'e' && t[1] === request.id)) return;
      if (e.kind === job.kind + 1000) return finish({ ok: true, result: e.content, responseMs: Date.now() - started });
      const status = e.tags.find((t) => t[0] === 'status')?.[1];
      if (status === 'error') return finish({ ok: false, error: 'offline', detail: `the provider reported an error: ${e.tags.find((t) => t[0] === 'status')?.[2] ?? 'no reason given'}` });
      if (status !== 'payment-required' || paying) return;
      paying = true;
      const amount = e.tags.find((t) => t[0] === 'amount');
      const msats = Number(amount?.[1]);
      const bolt11 = amount?.[2];
      if (!bolt11 || !Number.isSafeInteger(msats)) return finish({ ok: false, error: 'offline', detail: 'payment required without an invoice' });
      if (msats > remainingMsats(ctx.db, jobId)) return finish({ ok: false, error: 'over_capacity', detail: `asked ${msats} msats, more than the job's remaining maximum` });
      try {
        const invoice = checkInvoice(bolt11, { network: ctx.config.network, now: ctx.clock.now(), amountMsats: msats });
        const paid = await ctx.rail.payInvoice({ bolt11, paymentHash: invoice.paymentHash, amountMsats: msats, maxFeeMsats: Math.max(0, remainingMsats(ctx.db, jobId) - msats) });
        notePaid(ctx.db, ctx.clock, jobId, msats + paid.feeMsats);
      } catch (error) {
        const detail = error instanceof RailError || isMarketError(error) ? (error as Error).message : 'payment failed';
        finish({ ok: false, error: 'payment_failed', detail });
      }
    };
    const sub = pool.subscribe(relays, { kinds: [FEEDBACK_KIND, job.kind + 1000], '#e': [request.id] }, { onevent: (e) => void onEvent(e) });
    // Subscribe first: feedback may come back faster than the publish resolves.
    void Promise.allSettled(pool.publish(relays, request));
  });
}
