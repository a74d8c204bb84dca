// The operator resolves disputes from the command line, or over MCP with an operator token.
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/domain/clock.js';
import { agentAccountId } from '../../src/domain/ledger/accounts.js';
import { getBalance } from '../../src/domain/ledger/transfers.js';
import { agent, call, closeContexts, connect, fundedAgent, makeContext } from '../support/fixtures.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createHash } from 'node:crypto';
import { cliJson, runCli, startHttpServer } from '../support/processes.js';

afterEach(closeContexts);

describe('disputes from the command line', () => {
  it('lists open disputes and resolves one with NoRefund: the worker is paid as agreed', async () => {
    const ctx = await makeContext({ clock: systemClock });
    const { sponsor, agent: hirer } = await fundedAgent(ctx, 20_000);
    const worker = await agent(ctx, sponsor.id, 'Worker');
    const hirerClient = await connect(ctx, hirer.token);
    const workerClient = await connect(ctx, worker.token);
    const hired = await call(hirerClient, 'marketplace_hire_agent', { task: { description: 'x', required_skills: [], max_budget_sats: 2_000 }, agent_id: worker.id });
    await call(workerClient, 'marketplace_respond_to_contract', { contract_id: hired.data.contract_id, action: 'accept' });
    await call(workerClient, 'marketplace_submit_delivery', { contract_id: hired.data.contract_id, result: 'done' });
    const filed = await call(hirerClient, 'marketplace_file_dispute', {
      dispute_type: 'QualityIssue',
      subject: { kind: 'contract', id: hired.data.contract_id },
      amount_sats: 2_000,
    });

    const db = ctx.db.path;
    expect((await cliJson(['disputes', 'list', '--status', 'Open', '--db', db])).json.items).toEqual([expect.objectContaining({ dispute_id: filed.data.dispute_id })]);
    expect((await runCli(['disputes', 'resolve', filed.data.dispute_id, '--resolution', 'Maybe', '--db', db])).code).toBe(2);
    const resolved = await cliJson(['disputes', 'resolve', filed.data.dispute_id, '--resolution', 'NoRefund', '--reason', 'work matches the spec', '--db', db]);
    expect(resolved.json).toMatchObject({ status: 'Resolved', resolution: 'NoRefund', refund_sats: 0 });
    expect((await getBalance(ctx.db, agentAccountId(worker.id))).balanceMsats).toBe(1_900_000);
    expect((await cliJson(['ledger', 'verify', '--db', db])).json.ok).toBe(true);
  });

  it('an operator token from the CLI resolves a purchase dispute over Streamable HTTP', async () => {
    const ctx = await makeContext({ clock: systemClock });
    const { sponsor, agent: buyer } = await fundedAgent(ctx, 5_000);
    const seller = await agent(ctx, sponsor.id, 'Seller');
    const sellerClient = await connect(ctx, seller.token);
    const buyerClient = await connect(ctx, buyer.token);
    const listing = await call(sellerClient, 'marketplace_create_data_listing', {
      title: 'Logs',
      description: 'One week of logs',
      listing_type: 'FullDataset',
      price_sats: 1_000,
      sha256: createHash('sha256').update('logs').digest('hex'),
    });
    const bought = await call(buyerClient, 'marketplace_purchase_data', { listing_id: listing.data.listing_id });
    const mismatch = await call(buyerClient, 'marketplace_confirm_purchase', { purchase_id: bought.data.purchase_id, received_sha256: 'e'.repeat(64) });
    expect(mismatch.data.status).toBe('Disputed');

    const db = ctx.db.path;
    const first = await cliJson(['operator', 'token', '--db', db]);
    const { json: issued } = await cliJson(['operator', 'token', '--db', db]);
    expect(issued.id).toBe('operator');
    const server = await startHttpServer(['--db', db]);
    try {
      const connectAs = async (token: string) => {
        const client = new Client({ name: 'operator-test', version: '1.0.0' });
        await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
        return client;
      };
      // Issuing a new operator token revokes the previous one.
      await expect(connectAs(first.json.token)).rejects.toThrow();
      const operator = await connectAs(issued.token);
      expect((await call(operator, 'marketplace_whoami')).data.role).toBe('operator');
      const resolved = await call(operator, 'marketplace_resolve_dispute', { dispute_id: mismatch.data.dispute_id, resolution: 'RefundFull' });
      expect(resolved.data).toMatchObject({ status: 'Resolved', refund_sats: 1_000 });
      await operator.close();
    } finally {
      await server.stop();
    }
    expect(await getBalance(ctx.db, agentAccountId(buyer.id))).toMatchObject({ balanceMsats: 5_000_000, heldMsats: 0 });
    expect((await cliJson(['ledger', 'verify', '--db', db])).json.ok).toBe(true);
  });
});
