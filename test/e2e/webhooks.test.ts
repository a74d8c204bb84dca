// Sponsor notifications reach a real HTTP receiver on loopback, signed, and are retried
// until it accepts them.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { getDelivery } from '../../src/db/governance-store.js';
import { SIGNATURE_HEADER, verifySignature } from '../../src/domain/governance/notifications.js';
import { setSponsorWebhook } from '../../src/domain/governance/webhook-settings.js';
import { deliverDueWebhooks, MAX_ATTEMPTS } from '../../src/webhooks/delivery.js';
import { agent, call, closeContexts, connect, fundedAgent, makeContext, ManualClock } from '../support/fixtures.js';

afterEach(closeContexts);

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

async function receiver(answers: number[]): Promise<{ url: string; received: Received[]; close: () => void }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(answers.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, received, close: () => server.close() };
}

describe('sponsor webhooks', () => {
  it('deliver an approval request signed with HMAC-SHA256, retrying after a failure', async () => {
    const clock = new ManualClock();
    const ctx = await makeContext({ clock });
    const { sponsor, agent: a } = await fundedAgent(ctx, 50_000);
    const payee = await agent(ctx, sponsor.id, 'Payee');
    const hook = await receiver([500, 200]);
    try {
      const { secret } = await setSponsorWebhook(ctx.db, sponsor.id, hook.url);
      const asked = await call(await connect(ctx, a.token), 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 20_000 });
      expect(asked.data.status).toBe('pending_approval');

      expect(await deliverDueWebhooks(ctx)).toBe(1);
      expect(hook.received).toHaveLength(1);
      expect(await deliverDueWebhooks(ctx)).toBe(0); // backing off
      clock.advance(2_000);
      expect(await deliverDueWebhooks(ctx)).toBe(1);
      expect(hook.received).toHaveLength(2);

      const { headers, body } = hook.received[1]!;
      expect(headers['x-marketplace-event']).toBe('approval.requested');
      const signature = String(headers[SIGNATURE_HEADER]);
      expect(verifySignature(secret!, body, signature, Math.floor(clock.now().getTime() / 1000))).toBe(true);
      expect(verifySignature('whsec_wrong', body, signature, Math.floor(clock.now().getTime() / 1000))).toBe(false);
      expect(verifySignature(secret!, body.replace('20000', '20001'), signature, Math.floor(clock.now().getTime() / 1000))).toBe(false);
      const event = JSON.parse(body);
      expect(event).toMatchObject({ event: 'approval.requested', data: { approval: { approval_id: asked.data.approval_id, amount_sats: 20_000 } } });
      // No public address is known here, so there is no page to link.
      expect(event.data).not.toHaveProperty('approval_url');
      expect(await getDelivery(ctx.db, String(headers['x-marketplace-delivery']))).toMatchObject({ status: 'delivered', attempts: 2 });
    } finally {
      hook.close();
    }
  });

  it('link the approval page in approval events, signed with the link, when the server has a public address', async () => {
    const ctx = await makeContext({ config: { publicUrl: 'https://market.example' } });
    const { sponsor, agent: a } = await fundedAgent(ctx, 50_000);
    const payee = await agent(ctx, sponsor.id, 'Payee');
    const hook = await receiver([]);
    try {
      const { secret } = await setSponsorWebhook(ctx.db, sponsor.id, hook.url);
      const asked = await call(await connect(ctx, a.token), 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 20_000 });
      const page = `https://market.example/approvals/${asked.data.approval_id}`;
      expect(asked.data.approval_url).toBe(page);
      await call(await connect(ctx, sponsor.token), 'marketplace_decide_approval', { approval_id: asked.data.approval_id, decision: 'deny', reason: 'not now' });
      expect(await deliverDueWebhooks(ctx)).toBe(2);
      const events = hook.received.map(({ headers, body }) => {
        expect(verifySignature(secret!, body, String(headers[SIGNATURE_HEADER]), Math.floor(ctx.clock.now().getTime() / 1000))).toBe(true);
        return JSON.parse(body);
      });
      expect(events.map((e) => [e.event, e.data.approval_url]).sort()).toEqual([
        ['approval.decided', page],
        ['approval.requested', page],
      ]);
    } finally {
      hook.close();
    }
  });

  it('gives up after the last attempt and says so', async () => {
    const clock = new ManualClock();
    const ctx = await makeContext({ clock });
    const { sponsor, agent: a } = await fundedAgent(ctx, 50_000);
    const payee = await agent(ctx, sponsor.id, 'Payee');
    const hook = await receiver(new Array(20).fill(503));
    try {
      await setSponsorWebhook(ctx.db, sponsor.id, hook.url);
      await call(await connect(ctx, a.token), 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 20_000 });
      for (let i = 0; i < MAX_ATTEMPTS + 2; i++) {
        await deliverDueWebhooks(ctx);
        clock.advance(3_600_000);
      }
      expect(hook.received).toHaveLength(MAX_ATTEMPTS);
      const row = ctx.db.sqlite!.prepare('SELECT status, last_error AS lastError FROM webhook_deliveries').get();
      expect(row).toEqual({ status: 'failed', lastError: 'HTTP 503' });
    } finally {
      hook.close();
    }
  });
});
