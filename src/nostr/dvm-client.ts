// Running a compute job over NIP-90: publish the request to the chosen provider, follow
// its kind-7000 feedback, pay its invoice (asked before the work, `payment-required`, or
// attached to the result) through the payment rail only when it fits what is left of the
// job's maximum price, and take the first result signed by that provider that answers
// our request. The failover policy decides what a failed attempt leads to; Broadcast asks
// the whole chain at once and pays only the provider whose result it uses. Signatures are
// checked by nostr-tools' pool on every event it hands us; we also check the author and
// the request it answers.
import { nip04 } from 'nostr-tools';
import { SimplePool, useWebSocketImplementation } from 'nostr-tools/pool';
import { finalizeEvent, type Event } from 'nostr-tools/pure';
import type { AppContext } from '../context.js';
import * as identity from '../db/identity-store.js';
import type { ComputePaymentRow, JobRow } from '../db/provider-store.js';
import { claimJob, completeJob, failJob, jobChain, jobView, noteAttempt, remainingMsats, requireJob, type Attempt } from '../domain/compute/jobs.js';
import { computePaymentFailed, computePaymentPaid, startComputePayment } from '../domain/compute/payments.js';
import { afterFailure, RETRIES, type AttemptError, type FailoverPolicy } from '../domain/compute/routing.js';
import { signingKey } from '../domain/data/grants.js';
import { isMarketError } from '../domain/errors.js';
import { checkInvoice } from '../domain/payments/invoice-check.js';
import { RailError } from '../domain/payments/rail.js';
import { RelaySocket } from './websocket.js';

useWebSocketImplementation(RelaySocket);

export const FEEDBACK_KIND = 7000;
export const DELETION_KIND = 5;

/**
 * Why an attempt ended without a result: a provider's failure (it counts against its
 * reputation) or ours. `detail` is in our words; what the provider said about it is kept
 * apart, as its own untrusted text.
 */
type Failure = { ok: false; error: AttemptError; detail: string; providerMessage?: string } | { ok: false; error: 'cancelled' | 'superseded'; detail: string };
type Outcome = { ok: true; result: string; responseMs: number } | Failure;
type Provider = { id: string; pubkey: string };

/** Reports what a running job is doing (MCP progress notifications while the call waits). */
export type Progress = (message: string) => void;

/**
 * Who may be paid. Cascade and retries pay each provider they ask; Broadcast lets exactly
 * one provider be paid, and from then on only that provider's result is taken.
 */
class PaymentLock {
  private owner: string | null = null;
  constructor(private readonly exclusive: boolean) {}
  claim(providerId: string): boolean {
    if (!this.exclusive) return true;
    this.owner ??= providerId;
    return this.owner === providerId;
  }
  blocks(providerId: string): boolean {
    return this.exclusive && this.owner !== null && this.owner !== providerId;
  }
}

/** Jobs this process is running, so a cancellation can stop them. */
const running = new Map<string, { abort: AbortController; done: Promise<unknown> }>();

export const isRunningHere = (jobId: string) => running.has(jobId);

/** Stops a job this process is running; resolves once it has settled. */
export async function stopRunningJob(jobId: string): Promise<void> {
  const r = running.get(jobId);
  if (!r) return;
  r.abort.abort();
  await r.done.catch(() => undefined);
}

/** The key requests are signed with: the agent's own, or the marketplace's for an imported npub. */
function requesterKey(ctx: AppContext, agentId: string): Uint8Array {
  const agent = identity.getAgent(ctx.db, agentId);
  const secret = agent && identity.agentSecretKey(ctx.db, agent);
  return secret ? Uint8Array.from(Buffer.from(secret, 'hex')) : signingKey(ctx.db, ctx.clock);
}

export interface RunOptions {
  sleep?: (ms: number) => Promise<void>;
  progress?: Progress;
}

export async function runJob(ctx: AppContext, jobId: string, o: RunOptions = {}) {
  if (!claimJob(ctx.db, ctx.clock, jobId)) return jobView(requireJob(ctx.db, jobId));
  const abort = new AbortController();
  const done = run(ctx, jobId, abort.signal, o);
  running.set(jobId, { abort, done });
  try {
    return await done;
  } finally {
    running.delete(jobId);
  }
}

async function run(ctx: AppContext, jobId: string, signal: AbortSignal, o: RunOptions) {
  const job = requireJob(ctx.db, jobId);
  const relays = ctx.config.relays;
  if (relays.length === 0) {
    failJob(ctx.db, ctx.clock, jobId, 'No relays are configured (--relay): the marketplace cannot reach compute providers.');
    return jobView(requireJob(ctx.db, jobId));
  }
  const pool = new SimplePool();
  const progress = o.progress ?? (() => undefined);
  try {
    const chain = jobChain(ctx.db, job);
    const end =
      job.failoverPolicy === 'Broadcast'
        ? await broadcast(ctx, pool, job, chain, signal, progress)
        : await walkChain(ctx, pool, job, chain, signal, progress, o.sleep ?? ((ms) => delay(ms, signal)));
    if (end.ok) completeJob(ctx.db, ctx.clock, jobId, end.providerId, end.result);
    else failJob(ctx.db, ctx.clock, jobId, end.detail, end.cancelled ? 'cancelled' : 'failed');
    // Requests no longer wanted (a cancelled job's, a Broadcast's losers') are withdrawn.
    await deleteRequests(ctx, pool, jobId, (a) => (!end.ok && end.cancelled) || a.outcome === 'cancelled');
    return jobView(requireJob(ctx.db, jobId));
  } catch (error) {
    failJob(ctx.db, ctx.clock, jobId, isMarketError(error) ? error.message : 'The job failed unexpectedly.');
    throw error;
  } finally {
    pool.close(relays);
  }
}

type End = { ok: true; providerId: string; result: string } | { ok: false; detail: string; cancelled: boolean };
const CANCELLED: End = { ok: false, detail: 'Cancelled by the agent.', cancelled: true };

/** NoFailover, RetryWithBackoff and Cascade: one provider at a time, along the chain. */
async function walkChain(ctx: AppContext, pool: SimplePool, job: JobRow, chain: Provider[], signal: AbortSignal, progress: Progress, sleep: (ms: number) => Promise<void>): Promise<End> {
  const policy = job.failoverPolicy as FailoverPolicy;
  const deadline = Date.now() + job.timeoutSeconds * 1000;
  for (let i = 0; i < chain.length; i++) {
    const provider = chain[i]!;
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) return CANCELLED;
      // The time left is shared by the attempts that may still come: the other providers and this one's retries.
      const slots = chain.length - i + Math.max(0, RETRIES[policy] + 1 - attempt);
      progress(`Asking provider ${provider.id} (attempt ${attempt})`);
      const outcome = await attemptAt(ctx, pool, job, provider, Math.max(0, deadline - Date.now()) / slots, { signal, progress, lock: new PaymentLock(false) });
      if (outcome.ok) {
        record(ctx, job.id, provider, 'completed', 'result received', outcome.requestId, { response_ms: outcome.responseMs });
        return { ok: true, providerId: provider.id, result: outcome.result };
      }
      if (outcome.error === 'cancelled' || outcome.error === 'superseded') {
        record(ctx, job.id, provider, 'cancelled', outcome.detail, outcome.requestId);
        return CANCELLED;
      }
      const next = afterFailure(policy, outcome.error, attempt);
      record(ctx, job.id, provider, next.action === 'retry' ? 'retry' : 'failed', `${outcome.error}: ${outcome.detail}`, outcome.requestId, providerSaid(outcome));
      if (next.action === 'stop') return { ok: false, detail: outcome.detail, cancelled: false };
      if (next.action === 'next_provider' || Date.now() >= deadline) break;
      progress(`Retrying provider ${provider.id} in ${next.delayMs} ms`);
      await sleep(next.delayMs);
    }
  }
  return { ok: false, detail: 'No provider in the chain returned a result.', cancelled: false };
}

/** Broadcast: the whole chain at once; the first valid result wins and the others are stopped. */
async function broadcast(ctx: AppContext, pool: SimplePool, job: JobRow, chain: Provider[], signal: AbortSignal, progress: Progress): Promise<End> {
  const race = new AbortController();
  const stop = () => race.abort();
  signal.addEventListener('abort', stop, { once: true });
  const lock = new PaymentLock(true);
  const timeoutMs = job.timeoutSeconds * 1000;
  progress(`Asking ${chain.length} providers at once`);
  // The first usable result wins; a failed payment stops the job (SEED-RULES). Either ends the race.
  const ended: { winner?: Provider & { result: string }; stop?: Failure } = {};
  const outcomes = await Promise.all(
    chain.map(async (provider) => {
      const outcome = await attemptAt(ctx, pool, job, provider, timeoutMs, { signal: race.signal, progress, lock });
      if (outcome.ok) ended.winner ??= { ...provider, result: outcome.result };
      else if (outcome.error === 'payment_failed') ended.stop ??= outcome;
      if (outcome.ok || outcome.error === 'payment_failed') race.abort();
      return { provider, outcome };
    }),
  );
  signal.removeEventListener('abort', stop);
  const { winner } = ended;
  for (const { provider, outcome } of outcomes) {
    if (outcome.ok && winner?.id === provider.id) record(ctx, job.id, provider, 'completed', 'result received and used', outcome.requestId, { response_ms: outcome.responseMs });
    else if (outcome.ok) record(ctx, job.id, provider, 'cancelled', 'another provider answered first', outcome.requestId);
    else if (outcome.error === 'cancelled' || outcome.error === 'superseded') record(ctx, job.id, provider, 'cancelled', outcome.detail, outcome.requestId);
    else record(ctx, job.id, provider, 'failed', `${outcome.error}: ${outcome.detail}`, outcome.requestId, providerSaid(outcome));
  }
  if (winner) return { ok: true, providerId: winner.id, result: winner.result };
  if (signal.aborted) return CANCELLED;
  return { ok: false, detail: ended.stop?.detail ?? 'No provider returned a result.', cancelled: false };
}

function record(ctx: AppContext, jobId: string, provider: Provider, outcome: Attempt['outcome'], detail: string, requestId: string, more: Pick<Attempt, 'response_ms' | 'untrusted_provider_message'> = {}) {
  noteAttempt(ctx.db, ctx.clock, jobId, { provider_id: provider.id, outcome, detail, request_id: requestId, ...more });
}

const providerSaid = (f: Failure): Pick<Attempt, 'untrusted_provider_message'> => ('providerMessage' in f && f.providerMessage !== undefined ? { untrusted_provider_message: f.providerMessage } : {});

function requestEvent(ctx: AppContext, job: JobRow, provider: Provider, createdAt: number): Event {
  const key = requesterKey(ctx, job.agentId);
  const inputs = (JSON.parse(job.input) as { data: string; type: string }[]).map((i) => ['i', i.data, i.type]);
  const params = Object.entries(JSON.parse(job.params) as Record<string, string>).map(([k, v]) => ['param', k, v]);
  const common = [['bid', String(remainingMsats(ctx.db, job.id))], ['p', provider.pubkey]];
  // NIP-90 encrypted requests: inputs and params travel as NIP-04 ciphertext only the provider can read.
  const body = job.encrypted
    ? { tags: [...common, ['encrypted']], content: nip04.encrypt(key, provider.pubkey, JSON.stringify([...inputs, ...params])) }
    : { tags: [...inputs, ...params, ...common], content: '' };
  return finalizeEvent({ kind: job.kind, created_at: createdAt, ...body }, key);
}

type AttemptOutcome = Outcome & { requestId: string };

async function attemptAt(ctx: AppContext, pool: SimplePool, job: JobRow, provider: Provider, timeoutMs: number, o: { signal: AbortSignal; progress: Progress; lock: PaymentLock }): Promise<AttemptOutcome> {
  const relays = ctx.config.relays;
  const started = Date.now();
  const request = requestEvent(ctx, job, provider, Math.floor(started / 1000));
  if (o.signal.aborted) return { ok: false, error: 'cancelled', detail: 'stopped before it was asked', requestId: request.id };
  return new Promise<AttemptOutcome>((resolve) => {
    let settled = false;
    let paid = false;
    let paying = false;
    let stopWhenPaid: Failure | null = null;
    const finish = (outcome: Outcome) => {
      if (settled) return;
      // A payment on its way is seen through before the attempt ends, so what was paid is recorded.
      if (paying && !outcome.ok && outcome.error !== 'payment_failed') return void (stopWhenPaid ??= outcome);
      settled = true;
      clearTimeout(timer);
      o.signal.removeEventListener('abort', onAbort);
      sub.close();
      resolve({ ...outcome, requestId: request.id });
    };
    const onAbort = () => finish({ ok: false, error: 'cancelled', detail: 'stopped before a result came' });
    const timer = setTimeout(() => finish({ ok: false, error: 'timeout', detail: `no result within ${Math.round(timeoutMs)} ms` }), timeoutMs);
    o.signal.addEventListener('abort', onAbort, { once: true });

    /** Pays the provider's invoice if it fits; otherwise (or when paying fails) ends the attempt. */
    const pay = async (amount: string[] | undefined): Promise<boolean> => {
      const msats = Number(amount?.[1]);
      const bolt11 = amount?.[2];
      if (!bolt11 || !Number.isSafeInteger(msats) || msats < 0) return finish({ ok: false, error: 'bad_result', detail: 'payment asked without a usable invoice' }), false;
      if (msats > remainingMsats(ctx.db, job.id)) return finish({ ok: false, error: 'over_capacity', detail: `asked ${msats} msats, more than the job's remaining maximum` }), false;
      if (!o.lock.claim(provider.id)) return finish({ ok: false, error: 'superseded', detail: 'another provider was already paid for this job' }), false;
      // Another process sharing the database may have cancelled the job: its hold is gone, so nothing more is paid.
      if (requireJob(ctx.db, job.id).status !== 'running') return finish({ ok: false, error: 'cancelled', detail: 'the job was ended elsewhere' }), false;
      paying = true;
      let payment: ComputePaymentRow | null = null;
      try {
        const invoice = checkInvoice(bolt11, { network: ctx.config.network, now: ctx.clock.now(), amountMsats: msats });
        // Recorded before the wallet is asked: an answer lost from here on is settled from the wallet's record.
        payment = startComputePayment(ctx.db, ctx.clock, { jobId: job.id, providerId: provider.id, paymentHash: invoice.paymentHash, amountMsats: msats });
        o.progress(`Paying provider ${provider.id} ${Math.ceil(msats / 1000)} sats`);
        const sent = await ctx.rail.payInvoice({ bolt11, paymentHash: invoice.paymentHash, amountMsats: msats, maxFeeMsats: Math.max(0, remainingMsats(ctx.db, job.id)) });
        computePaymentPaid(ctx.db, ctx.clock, payment.id, sent.feeMsats);
        paid = true;
        paying = false;
        return true;
      } catch (error) {
        paying = false;
        // A definite refusal is recorded as such; an unknown outcome stays sending, and the job's hold with it.
        if (payment && error instanceof RailError && error.outcome === 'failed') computePaymentFailed(ctx.db, ctx.clock, payment.id, error.message);
        finish({ ok: false, error: 'payment_failed', detail: error instanceof RailError || isMarketError(error) ? (error as Error).message : 'payment failed' });
        return false;
      }
    };

    const onEvent = async (e: Event) => {
      // Only the provider we asked, answering the request we sent.
      if (settled || e.pubkey !== provider.pubkey || !e.tags.some((t) => t[0] === 'e' && t[1] === request.id)) return;
      const amount = e.tags.find((t) => t[0] === 'amount');
      if (e.kind === job.kind + 1000) {
        if (o.lock.blocks(provider.id)) return finish({ ok: false, error: 'superseded', detail: 'another provider was already paid for this job' });
        const content = readContent(ctx, job, provider, e);
        if (content === null) return finish({ ok: false, error: 'bad_result', detail: 'the encrypted result could not be decrypted' });
        // An invoice attached to the result is paid before the result is used.
        if (amount?.[2] && !paid && !paying && !(await pay(amount))) return;
        return finish({ ok: true, result: content, responseMs: Date.now() - started });
      }
      const status = e.tags.find((t) => t[0] === 'status');
      if (status?.[1] === 'error') {
        const said = status[2];
        return finish(said ? { ok: false, error: 'offline', detail: "the provider reported an error (its words are in the attempt's untrusted_provider_message)", providerMessage: said } : { ok: false, error: 'offline', detail: 'the provider reported an error without a reason' });
      }
      if (status?.[1] === 'payment-required' && !paid && !paying) {
        // Paid for work still to come: an abort or timeout that came meanwhile ends the attempt now.
        if ((await pay(amount)) && stopWhenPaid) finish(stopWhenPaid);
        return;
      }
      if (status?.[1]) o.progress(`Provider ${provider.id}: ${status[1]}${status[2] ? ` (${status[2].slice(0, 200)})` : ''}`);
    };
    const sub = pool.subscribe(relays, { kinds: [FEEDBACK_KIND, job.kind + 1000], '#e': [request.id] }, { onevent: (e) => void onEvent(e) });
    // Subscribe first: feedback may come back faster than the publish resolves.
    void Promise.allSettled(pool.publish(relays, request));
  });
}

/** A result's text: decrypted when the provider encrypted it to us (NIP-90 `encrypted`). */
function readContent(ctx: AppContext, job: JobRow, provider: Provider, e: Event): string | null {
  if (!e.tags.some((t) => t[0] === 'encrypted')) return e.content;
  try {
    return nip04.decrypt(requesterKey(ctx, job.agentId), provider.pubkey, e.content);
  } catch {
    return null;
  }
}

/** NIP-09: asks the relays (and the providers reading them) to drop the job's requests that `which` picks. */
async function deleteRequests(ctx: AppContext, pool: SimplePool, jobId: string, which: (a: Attempt) => boolean = () => true): Promise<void> {
  const job = requireJob(ctx.db, jobId);
  const ids = [...new Set((JSON.parse(job.attempts) as Attempt[]).flatMap((a) => (a.request_id && which(a) ? [a.request_id] : [])))];
  if (ids.length === 0) return;
  const deletion = finalizeEvent(
    { kind: DELETION_KIND, created_at: Math.floor(Date.now() / 1000), tags: [...ids.map((id) => ['e', id]), ['k', String(job.kind)]], content: 'Job cancelled by the requester.' },
    requesterKey(ctx, job.agentId),
  );
  await Promise.allSettled(pool.publish(ctx.config.relays, deletion));
}

/** For a job that no process was running: publish its deletion on a short-lived connection. */
export async function publishCancellation(ctx: AppContext, jobId: string): Promise<void> {
  if (ctx.config.relays.length === 0) return;
  const pool = new SimplePool();
  try {
    await deleteRequests(ctx, pool, jobId);
  } finally {
    pool.close(ctx.config.relays);
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
