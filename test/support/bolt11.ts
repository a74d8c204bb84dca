// Real signed BOLT11 invoices for tests, made with the bolt11 package and a fixed test key.
import { createHash, randomBytes } from 'node:crypto';
import bolt11 from 'bolt11';

const TEST_NODE_KEY = 'e126f68f7eafcc8b74f54d269fe206be715000f94dac067d1c04a8ca3b2db734';
const NETWORKS = {
  bitcoin: undefined,
  regtest: { bech32: 'bcrt', pubKeyHash: 0x6f, scriptHash: 0xc4, validWitnessVersions: [0, 1] },
  testnet: { bech32: 'tb', pubKeyHash: 0x6f, scriptHash: 0xc4, validWitnessVersions: [0, 1] },
};

export function testInvoice(o: { sats?: number; network?: keyof typeof NETWORKS; expirySeconds?: number; createdAt?: Date } = {}) {
  const preimage = randomBytes(32).toString('hex');
  const paymentHash = createHash('sha256').update(Buffer.from(preimage, 'hex')).digest('hex');
  const encoded = bolt11.encode({
    network: NETWORKS[o.network ?? 'bitcoin'],
    ...(o.sats === undefined ? {} : { satoshis: o.sats }),
    timestamp: Math.floor((o.createdAt ?? new Date()).getTime() / 1000),
    tags: [
      { tagName: 'payment_hash', data: paymentHash },
      { tagName: 'description', data: 'test invoice' },
      { tagName: 'expire_time', data: o.expirySeconds ?? 3600 },
    ],
  });
  return { bolt11: bolt11.sign(encoded, TEST_NODE_KEY).paymentRequest!, paymentHash, preimage };
}
