// A BOLT11 invoice is untrusted input: an agent may be handed one by anyone. Before a
// withdrawal holds money for it, it must name an amount, equal what is being paid, not
// have expired, and be for the network the wallet is on. Pure, so each rule is tested alone.
import { decode } from 'light-bolt11-decoder';
import { MarketError } from '../../core/errors.js';

export const NETWORKS = ['bitcoin', 'testnet', 'signet', 'regtest'] as const;
export type Network = (typeof NETWORKS)[number];

export interface CheckedInvoice {
  paymentHash: string;
  amountMsats: number;
  expiresAt: string;
  network: Network;
  description: string | null;
}

/** The human-readable prefix names the network: lnbc, lntb, lntbs, lnbcrt. */
function networkOf(prefix: string): Network | null {
  if (prefix.startsWith('lnbcrt')) return 'regtest';
  if (prefix.startsWith('lntbs')) return 'signet';
  if (prefix.startsWith('lntb')) return 'testnet';
  if (prefix.startsWith('lnbc')) return 'bitcoin';
  return null;
}

export function checkInvoice(bolt11: string, o: { network: Network; now: Date; amountMsats?: number }): CheckedInvoice {
  const invoice = bolt11
    .trim()
    .toLowerCase()
    .replace(/^lightning:/, '');
  let decoded: Awaited<ReturnType<typeof decode>>;
  try {
    decoded = decode(invoice);
  } catch {
    throw new MarketError('INVALID_INPUT', 'bolt11 is not a valid BOLT11 invoice.');
  }
  const section = (name: string) => decoded.sections.find((s) => s.name === name) as { value?: unknown } | undefined;
  const network = networkOf(invoice);
  if (network !== o.network) {
    throw new MarketError('INVALID_INPUT', `The invoice is for ${network ?? 'an unknown network'}; this marketplace's wallet is on ${o.network}.`);
  }
  const amount = section('amount')?.value;
  if (amount === undefined || amount === null || Number(amount) <= 0) {
    throw new MarketError('INVALID_INPUT', 'The invoice has no amount: ask the payee for an invoice that names the amount.');
  }
  const amountMsats = Number(amount);
  if (!Number.isSafeInteger(amountMsats)) throw new MarketError('INVALID_INPUT', 'The invoice amount is out of range.');
  if (o.amountMsats !== undefined && amountMsats !== o.amountMsats) {
    throw new MarketError('INVALID_INPUT', `The invoice asks for ${amountMsats} msats, not the ${o.amountMsats} msats being paid.`);
  }
  const timestamp = Number(section('timestamp')?.value ?? 0);
  const expiry = Number(decoded.expiry ?? 3600);
  const expiresAt = new Date((timestamp + expiry) * 1000);
  if (expiresAt.getTime() <= o.now.getTime()) throw new MarketError('INVALID_INPUT', `The invoice expired at ${expiresAt.toISOString()}.`);
  const paymentHash = String(section('payment_hash')?.value ?? '');
  if (!/^[0-9a-f]{64}$/.test(paymentHash)) throw new MarketError('INVALID_INPUT', 'The invoice carries no payment hash.');
  const description = section('description')?.value;
  return { paymentHash, amountMsats, expiresAt: expiresAt.toISOString(), network, description: typeof description === 'string' ? description : null };
}

/** The amount an invoice names, or null (no amount, or not an invoice): checkInvoice says which, later. */
export function invoiceAmountMsats(bolt11: string): number | null {
  try {
    const amount = decode(
      bolt11
        .trim()
        .toLowerCase()
        .replace(/^lightning:/, ''),
    ).sections.find((s) => s.name === 'amount') as { value?: unknown } | undefined;
    const msats = Number(amount?.value);
    return Number.isSafeInteger(msats) && msats > 0 ? msats : null;
  } catch {
    return null;
  }
}
