// The Lightning side of the `nwc` rail, run inside the simulator's process: the test
// relay (behind a proxy the simulation can cut or take away), and the simulated wallet
// (the SDK's NIP-47 wallet service) on the simulated clock. Faults are scripted per
// request by what names it (a payout's bolt11, a top-up's memo, a payment hash), so the
// seed decides which request is hit however the server's background work interleaves.
import { startSimulatedWallet } from './.build/lightning-wallet.js';
import { startRelay } from './.build/relay.js';
import { RelayProxy } from './relay-proxy.mjs';

// The wallet service publishes its answer without waiting on the send, so an answer sent
// on a connection the simulation just cut rejects with nobody to catch it. For a wallet
// that is an answer lost, which is the fault being simulated, not a crash of the wallet.
process.on('unhandledRejection', (reason) => {
  if (reason?.constructor?.name === 'SendingOnClosedConnection') return;
  throw reason;
});

export class Lightning {
  /** `now`: the simulated clock (ms), which the wallet dates its invoices and payments by. */
  static async start({ now, faults = true }) {
    const relay = await startRelay();
    const proxy = new RelayProxy(relay.url);
    await proxy.listen();
    const wallet = await startSimulatedWallet({ relayUrl: proxy.url, now });
    return new Lightning(relay, proxy, wallet, faults);
  }

  /** `faults` false: the wallet answers everything on time (--no-faults). */
  constructor(relay, proxy, wallet, faults) {
    this.relay = relay;
    this.faultsOn = faults;
    this.proxy = proxy;
    this.wallet = wallet;
    this.startBalanceMsats = wallet.balanceMsats;
    /** `${method} ${what names the request}` → the fault for the first such request */
    this.faults = new Map();
    this.stats = { faults: {}, relayDrops: 0, relayOutages: 0, requests: {} };
    wallet.script = (method, params) => {
      this.stats.requests[method] = (this.stats.requests[method] ?? 0) + 1;
      const key = `${method} ${NAMED_BY[method]?.(params) ?? ''}`;
      const fault = this.faults.get(key);
      if (fault) this.faults.delete(key);
      return fault;
    };
  }

  get nwcUrl() {
    return this.wallet.nwcUrl;
  }

  get relayUrl() {
    return this.proxy.url;
  }

  /** Scripts the wallet's answer to the next request of `method` named `name`. */
  fault(method, name, fault) {
    if (!this.faultsOn) return;
    this.faults.set(`${method} ${name}`, fault);
    const kind = `${method}: ${Object.keys(fault)[0]}${fault.fail ? ` ${fault.fail}` : ''}`;
    this.stats.faults[kind] = (this.stats.faults[kind] ?? 0) + 1;
  }

  /** What the wallet's record and balance say, for the invariant checker. */
  snapshot() {
    return { transactions: this.wallet.transactions(), balanceDeltaMsats: this.wallet.balanceMsats - this.startBalanceMsats };
  }

  async close() {
    await this.wallet.close();
    await this.proxy.close();
    await this.relay.close();
  }
}

const NAMED_BY = {
  pay_invoice: (p) => p.invoice,
  make_invoice: (p) => p.description,
  lookup_invoice: (p) => p.payment_hash,
};
