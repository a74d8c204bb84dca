// Paying a lightning address (name@domain) means asking its LNURL-pay service (LUD-16)
// for an invoice of the amount; @getalby/lightning-tools speaks that protocol. We ask the
// domain directly (no third-party proxy), and the invoice it returns is then checked like
// any other before money is held for it.
import { LightningAddress } from '@getalby/lightning-tools';
import { MarketError } from '../errors.js';

const ADDRESS = /^[a-z0-9._+-]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/i;

export async function invoiceForAddress(address: string, amountSats: number): Promise<string> {
  if (!ADDRESS.test(address)) throw new MarketError('INVALID_INPUT', 'lightning_address must look like name@domain.com.');
  const ln = new LightningAddress(address, { proxy: false });
  try {
    await ln.fetch();
  } catch (error) {
    throw new MarketError('UPSTREAM_UNAVAILABLE', `Could not reach the LNURL-pay service of ${address}: ${(error as Error).message}`);
  }
  if (!ln.lnurlpData) throw new MarketError('INVALID_INPUT', `${address} does not accept payments (no LNURL-pay service).`);
  // The service states its limits in millisats (LUD-06 minSendable / maxSendable).
  const min = Math.ceil(ln.lnurlpData.min / 1000);
  const max = Math.floor(ln.lnurlpData.max / 1000);
  if (amountSats < min || amountSats > max) throw new MarketError('INVALID_INPUT', `${address} accepts ${min}–${max} sats, not ${amountSats}.`);
  try {
    return (await ln.requestInvoice({ satoshi: amountSats })).paymentRequest;
  } catch (error) {
    throw new MarketError('UPSTREAM_UNAVAILABLE', `${address} did not give an invoice: ${(error as Error).message}`);
  }
}
