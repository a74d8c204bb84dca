// Running a compute job: send the request to the chosen provider, follow its feedback,
// pay its invoice (asked before the work, `payment-required`, or attached to the result)
// through the payment rail only when it fits what is left of the job's maximum price, and
// take the first result of that provider that answers our request. The failover policy
// decides what a failed attempt leads to; Broadcast asks the whole chain at once and pays
// only the provider whose result it uses. The transport (a port: NIP-90 over relays)
// carries the messages and hands over only the asked provider's answers.
import * as identity from '../../db/identity-store.js';
import type { Db } from '../../db/connection.js';
import type { ComputePaymentRow, JobRow } from '../../db/provider-store.js';
import type { Clock } from '../clock.js';
import { signingKey } from '../data/grants.js';
import { isMarketError } from '../../core/errors.js';
import { checkInvoice, type Network } from '../payments/invoice-check.js';
import { RailError, type PaymentRail } from '../payments/rail.js';
import { claimJob, completeJob, failJob, jobChain, jobView, noteAttempt, remainingMsats, requireJob, type Attempt } from './jobs.js';
import { PaymentLock } from './payment-lock.js';
import { computePaymentFailed, computePaymentPaid, startComputePayment } from './payments.js';
import { afterFailure, RETRIES, type AttemptError, type FailoverPolicy } from './routing.js';
import type { ComputeLink, ComputeTransport, ProviderAmount, ProviderMessage } from './transport.js';

/** What running a job needs from outside: the database, the clock, the wallet, the road to providers. */
export interface JobPorts {
  db: Db;
  clock: Clock;
  rail: PaymentRail;
  transport: ComputeTransport;
  /** The Lightning network the wallet is on: an invoice for any other is never paid. */
  network: Network;
}

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
async function requesterKey(ports: JobPorts, agentId: string): Promise<Uint8Array> {
  const agent = await identity.getAgent(ports.db, agentId);
  const secret = agent && identity.agentSecretKey(ports.db, agent);
  return secret ? Uint8Array.from(Buffer.from(secret, 'hex')) : await signingKey(ports.db, ports.clock);
}

export interface RunOptions {
  sleep?: (ms: number) => Promise<void>;
  progress?: Progress;
}

export async function runJob(ports: JobPorts, jobId: string, o: RunOptions = {}) {
  if (!(await claimJob(ports.db, ports.clock, jobId))) return jobView(await requireJob(ports.db, jobId));
  const abort = new AbortController();
  const done = run(ports, jobId, abort.signal, o);
  running.set(jobId, { abort, done });
  try {
    return await done;
  } finally {
    running.delete(jobId);
  }
}

async function run(ports: JobPorts, jobId: string, signal: AbortSignal, o: RunOptions) {
  const { db, clock } = ports;
  const job = await requireJob(db, jobId);
  const unreachable = ports.transport.unreachable();
  if (unreachable !== null) {
    await failJob(db, clock, jobId, unreachable);
    return jobView(await requireJob(db, jobId));
  }
  const link = ports.transport.open();
  const progress = o.progress ?? (() => undefined);
  const attempt: Attempting = { ports, link, job, key: await requesterKey(ports, job.agentId) };
  try {
    const chain = await jobChain(db, job);
    const end =
      job.failoverPolicy === 'Broadcast'
        ? await broadcast(attempt, chain, signal, progress)
        : await walkChain(attempt, chain, signal, progress, o.sleep ?? ((ms) => delay(ms, signal)));
    if (end.ok) await completeJob(db, clock, jobId, end.providerId, end.result);
    else await failJob(db, clock, jobId, end.detail, end.cancelled ? 'cancelled' : 'failed');
    // Requests no longer wanted (a cancelled job's, a Broadcast's losers') are withdrawn.
    await withdrawRequests(ports, link, jobId, (a) => (!end.ok && end.cancelled) || a.outcome === 'cancelled');
    return jobView(await requireJob(db, jobId));
  } catch (error) {
    await failJob(db, clock, jobId, isMarketError(error) ? error.message : 'The job failed unexpectedly.');
    throw error;
  } finally {
    link.close();
  }
}

/** What every attempt of one job shares. */
interface Attempting {
  ports: JobPorts;
  link: ComputeLink;
  job: JobRow;
  key: Uint8Array;
}

type End = { ok: true; providerId: string; result: string } | { ok: false; detail: string; cancelled: boolean };
const CANCELLED: End = { ok: false, detail: 'Cancelled by the agent.', cancelled: true };

/** NoFailover, RetryWithBackoff and Cascade: one provider at a time, along the chain. */
async function walkChain(a: Attempting, chain: Provider[], signal: AbortSignal, progress: Progress, sleep: (ms: number) => Promise<void>): Promise<End> {
  const { job } = a;
  const policy = job.failoverPolicy as FailoverPolicy;
  const deadline = Date.now() + job.timeoutSeconds * 1000;
  for (let i = 0; i < chain.length; i++) {
    const provider = chain[i]!;
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) return CANCELLED;
      // The time left is shared by the attempts that may still come: the other providers and this one's retries.
      const slots = chain.length - i + Math.max(0, RETRIES[policy] + 1 - attempt);
      progress(`Asking provider ${provider.id} (attempt ${attempt})`);
      const outcome = await attemptAt(a, provider, Math.max(0, deadline - Date.now()) / slots, { signal, progress, lock: new PaymentLock(false) });
      if (outcome.ok) {
        await record(a, provider, 'completed', 'result received', outcome.requestId, { response_ms: outcome.responseMs });
        return { ok: true, providerId: provider.id, result: outcome.result };
      }
      if (outcome.error === 'cancelled' || outcome.error === 'superseded') {
        await record(a, provider, 'cancelled', outcome.detail, outcome.requestId);
        return CANCELLED;
      }
      const next = afterFailure(policy, outcome.error, attempt);
      await record(a, provider, next.action === 'retry' ? 'retry' : 'failed', `${outcome.error}: ${outcome.detail}`, outcome.requestId, providerSaid(outcome));
      if (next.action === 'stop') return { ok: false, detail: outcome.detail, cancelled: false };
      if (next.action === 'next_provider' || Date.now() >= deadline) break;
      progress(`Retrying provider ${provider.id} in ${next.delayMs} ms`);
      await sleep(next.delayMs);
    }
  }
  return { ok: false, detail: 'No provider in the chain returned a result.', cancelled: false };
}

/** Broadcast: the whole chain at once; the first valid result wins and the others are stopped. */
async function broadcast(a: Attempting, chain: Provider[], signal: AbortSignal, progress: Progress): Promise<End> {
  const race = new AbortController();
  const stop = () => race.abort();
  signal.addEventListener('abort', stop, { once: true });
  const lock = new PaymentLock(true);
  const timeoutMs = a.job.timeoutSeconds * 1000;
  progress(`Asking ${chain.length} providers at once`);
  // The first usable result wins; a failed payment stops the job (SEED-RULES). Either ends the race.
  const ended: { winner?: Provider & { result: string }; stop?: Failure } = {};
  const outcomes = await Promise.all(
    chain.map(async (provider) => {
      const outcome = await attemptAt(a, provider, timeoutMs, { signal: race.signal, progress, lock });
      if (outcome.ok) ended.winner ??= { ...provider, result: outcome.result };
      else if (outcome.error === 'payment_failed') ended.stop ??= outcome;
      if (outcome.ok || outcome.error === 'payment_failed') race.abort();
      return { provider, outcome };
    }),
  );
  signal.removeEventListener('abort', stop);
  const { winner } = ended;
  for (const { provider, outcome } of outcomes) {
    if (outcome.ok && winner?.id === provider.id) await record(a, provider, 'completed', 'result received and used', outcome.requestId, { response_ms: outcome.responseMs });
    else if (outcome.ok) await record(a, provider, 'cancelled', 'another provider answered first', outcome.requestId);
    else if (outcome.error === 'cancelled' || outcome.error === 'superseded') await record(a, provider, 'cancelled', outcome.detail, outcome.requestId);
    else await record(a, provider, 'failed', `${outcome.error}: ${outcome.detail}`, outcome.requestId, providerSaid(outcome));
  }
  if (winner) return { ok: true, providerId: winner.id, result: winner.result };
  if (signal.aborted) return CANCELLED;
  return { ok: false, detail: ended.stop?.detail ?? 'No provider returned a result.', cancelled: false };
}

async function record(
  a: Attempting,
  provider: Provider,
  outcome: Attempt['outcome'],
  detail: string,
  requestId: string | undefined,
  more: Pick<Attempt, 'response_ms' | 'untrusted_provider_message'> = {},
) {
  await noteAttempt(a.ports.db, a.ports.clock, a.job.id, {
    provider_id: provider.id,
    outcome,
    detail,
    ...(requestId === undefined ? {} : { request_id: requestId }),
    ...more,
  });
}

const providerSaid = (f: Failure): Pick<Attempt, 'untrusted_provider_message'> =>
  'providerMessage' in f && f.providerMessage !== undefined ? { untrusted_provider_message: f.providerMessage } : {};

/** `requestId` is absent only when the attempt was stopped before its request was sent. */
type AttemptOutcome = Outcome & { requestId: string | undefined };

async function attemptAt(a: Attempting, provider: Provider, timeoutMs: number, o: { signal: AbortSignal; progress: Progress; lock: PaymentLock }): Promise<AttemptOutcome> {
  const { ports, job } = a;
  const { db, clock } = ports;
  const started = Date.now();
  if (o.signal.aborted) return { ok: false, error: 'cancelled', detail: 'stopped before it was asked', requestId: undefined };
  // Read before the promise: its executor must not wait (the request is sent synchronously, the closures it needs are made first).
  const bidMsats = await remainingMsats(db, job.id);
  return new Promise<AttemptOutcome>((resolve) => {
    let settled = false;
    let paid = false;
    let paying = false;
    let stopWhenPaid: Failure | null = null;
    // Set once the request is sent, below; answers cannot come before.
    // eslint-disable-next-line prefer-const -- assigned below, after the closures that read it are made (a const would be in its dead zone if ask() answered at once)
    let asked: { requestId: string; stop(): void } | undefined;
    const finish = (outcome: Outcome) => {
      if (settled) return;
      // A payment on its way is seen through before the attempt ends, so what was paid is recorded.
      if (paying && !outcome.ok && outcome.error !== 'payment_failed') return void (stopWhenPaid ??= outcome);
      settled = true;
      clearTimeout(timer);
      o.signal.removeEventListener('abort', onAbort);
      asked?.stop();
      resolve({ ...outcome, requestId: asked?.requestId });
    };
    const onAbort = () => finish({ ok: false, error: 'cancelled', detail: 'stopped before a result came' });
    const timer = setTimeout(() => finish({ ok: false, error: 'timeout', detail: `no result within ${Math.round(timeoutMs)} ms` }), timeoutMs);
    o.signal.addEventListener('abort', onAbort, { once: true });

    /** Pays the provider's invoice if it fits; otherwise (or when paying fails) ends the attempt. */
    const pay = async (amount: ProviderAmount | undefined): Promise<boolean> => {
      const msats = amount?.msats ?? NaN;
      const bolt11 = amount?.bolt11;
      if (!bolt11 || !Number.isSafeInteger(msats) || msats < 0) return (finish({ ok: false, error: 'bad_result', detail: 'payment asked without a usable invoice' }), false);
      if (msats > (await remainingMsats(db, job.id)))
        return (finish({ ok: false, error: 'over_capacity', detail: `asked ${msats} msats, more than the job's remaining maximum` }), false);
      if (!o.lock.claim(provider.id)) return (finish({ ok: false, error: 'superseded', detail: 'another provider was already paid for this job' }), false);
      // Another process sharing the database may have cancelled the job: its hold is gone, so nothing more is paid.
      if ((await requireJob(db, job.id)).status !== 'running') return (finish({ ok: false, error: 'cancelled', detail: 'the job was ended elsewhere' }), false);
      paying = true;
      let payment: ComputePaymentRow | null = null;
      try {
        const invoice = checkInvoice(bolt11, { network: ports.network, now: clock.now(), amountMsats: msats });
        // Recorded before the wallet is asked: an answer lost from here on is settled from the wallet's record.
        payment = await startComputePayment(db, clock, { jobId: job.id, providerId: provider.id, paymentHash: invoice.paymentHash, amountMsats: msats });
        o.progress(`Paying provider ${provider.id} ${Math.ceil(msats / 1000)} sats`);
        const sent = await ports.rail.payInvoice({
          bolt11,
          paymentHash: invoice.paymentHash,
          amountMsats: msats,
          maxFeeMsats: Math.max(0, await remainingMsats(db, job.id)),
        });
        await computePaymentPaid(db, clock, payment.id, sent.feeMsats);
        paid = true;
        paying = false;
        return true;
      } catch (error) {
        paying = false;
        // A definite refusal is recorded as such; an unknown outcome stays sending, and the job's hold with it.
        if (payment && error instanceof RailError && error.outcome === 'failed') await computePaymentFailed(db, clock, payment.id, error.message);
        finish({
          ok: false,
          error: 'payment_failed',
          detail: error instanceof RailError || isMarketError(error) ? (error as Error).message : 'payment failed',
        });
        return false;
      }
    };

    const onMessage = async (m: ProviderMessage) => {
      if (settled) return;
      if (m.type === 'result') {
        if (o.lock.blocks(provider.id)) return finish({ ok: false, error: 'superseded', detail: 'another provider was already paid for this job' });
        if (m.content === null) return finish({ ok: false, error: 'bad_result', detail: 'the encrypted result could not be decrypted' });
        // An invoice attached to the result is paid before the result is used.
        if (m.amount?.bolt11 && !paid && !paying && !(await pay(m.amount))) return;
        return finish({ ok: true, result: m.content, responseMs: Date.now() - started });
      }
      if (m.status === 'error') {
        const said = m.text;
        return finish(
          said
            ? {
                ok: false,
                error: 'offline',
                detail: "the provider reported an error (its words are in the attempt's untrusted_provider_message)",
                providerMessage: said,
              }
            : { ok: false, error: 'offline', detail: 'the provider reported an error without a reason' },
        );
      }
      if (m.status === 'payment-required' && !paid && !paying) {
        // Paid for work still to come: an abort or timeout that came meanwhile ends the attempt now.
        if ((await pay(m.amount)) && stopWhenPaid) finish(stopWhenPaid);
        return;
      }
      if (m.status) o.progress(`Provider ${provider.id}: ${m.status}${m.text ? ` (${m.text.slice(0, 200)})` : ''}`);
    };
    asked = a.link.ask(
      {
        kind: job.kind,
        inputs: job.input,
        params: job.params,
        bidMsats,
        providerPubkey: provider.pubkey,
        encrypted: job.encrypted,
        secretKey: a.key,
        createdAt: Math.floor(started / 1000),
      },
      (m) => void onMessage(m),
    );
  });
}

/** Asks the providers to drop the job's requests that `which` picks (all of them by default). */
async function withdrawRequests(ports: JobPorts, link: ComputeLink, jobId: string, which: (a: Attempt) => boolean = () => true): Promise<void> {
  const job = await requireJob(ports.db, jobId);
  const requestIds = [...new Set(job.attempts.flatMap((a) => (a.request_id && which(a) ? [a.request_id] : [])))];
  if (requestIds.length === 0) return;
  await link.withdraw({ requestIds, kind: job.kind, secretKey: await requesterKey(ports, job.agentId), reason: 'Job cancelled by the requester.' });
}

/** For a job that no process was running: withdraw its requests on a short-lived link. */
export async function withdrawCancelledJob(ports: JobPorts, jobId: string): Promise<void> {
  if (ports.transport.unreachable() !== null) return;
  const link = ports.transport.open();
  try {
    await withdrawRequests(ports, link, jobId);
  } finally {
    link.close();
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
