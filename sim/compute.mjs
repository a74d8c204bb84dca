// The compute side of the nwc rail: NIP-90 providers (the test DVM) on the simulation's
// relay, registered and approved in the marketplace, whose invoices are the simulated
// wallet's payees, so the wallet pays them and the seed can script each payment's fate.
// They listen on the relay itself, not through the cuttable proxy: a relay fault is the
// server's and the wallet's to survive, not a reason for every later job to time out.
import { startDvm } from './.build/dvm.js';

/** Who sells compute in every simulated market, and how each behaves. */
export const PROVIDERS = [
  { name: 'prepaid', behaviour: { pay: 15_000 }, priceSats: 15 },
  { name: 'postpaid', behaviour: { postpaid: 12_000 }, priceSats: 12 },
  { name: 'free', behaviour: 'answer', priceSats: 1 },
  { name: 'slow', behaviour: { delayMs: 300 }, priceSats: 5 },
  { name: 'failing', behaviour: 'error', priceSats: 2 },
];

/**
 * Starts the providers. `faultFor()` is asked once per invoice a provider makes: the
 * wallet's scripted answer to paying it (or null), chosen by the job's seeded stream.
 */
export async function startProviders(lightning, faultFor) {
  return Promise.all(
    PROVIDERS.map(async (p) => ({
      ...p,
      dvm: await startDvm(lightning.relay.url, {
        behaviour: p.behaviour,
        invoice: (msats) => {
          const invoice = lightning.wallet.externalInvoice({ amountSats: msats / 1000 });
          const fault = faultFor();
          if (fault) lightning.fault('pay_invoice', invoice.bolt11, fault);
          return invoice;
        },
      }),
    })),
  );
}
