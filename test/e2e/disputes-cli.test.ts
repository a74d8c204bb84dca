// The operator resolves disputes from the command line.
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/domain/clock.js';
import { agentAccountId } from '../../src/domain/ledger/accounts.js';
import { getBalance } from '../../src/domain/ledger/transfers.js';
import { agent, call, closeContexts, connect, fundedAgent, makeContext } from '../support/fixtures.js';
import { cliJson, runCli } from '../support/processes.js';

afterEach(closeContexts);

describe('disputes from the command line', () => {
  it('lists open disputes and resolves one with NoRefund: the worker is paid as agreed', async () => {
    const ctx = makeContext({ clock: systemClock });
    const { sponsor, agent: hirer } = fundedAgent(ctx, 20_000);
    const worker = agent(ctx, sponsor.id, 'Worker');
    const hirerClient = await connect(ctx, hirer.token);
    const workerClient = await connect(ctx, worker.token);
    const hired = await call(hirerClient, 'marketplace_hire_agent', { task: { description: 'x', required_skills: [], max_budget_sats: 2_000 }, agent_id: worker.id });
    await call(workerClient, 'marketplace_respond_to_contract', { contract_id: hired.data.contract_id, action: 'accept' });
    await call(workerClient, 'marketplace_submit_delivery', { contract_id: hired.data.contract_id, result: 'done' });
    const filed = await call(hirerClient, 'marketplace_file_dispute', { dispute_type: 'QualityIssue', subject: { kind: 'contract', id: hired.data.contract_id }, amount_sats: 2_000 });

    const db = ctx.db.path;
    expect((await cliJson(['disputes', 'list', '--status', 'Open', '--db', db])).json.items).toEqual([expect.objectContaining({ dispute_id: filed.data.dispute_id })]);
    expect((await runCli(['disputes', 'resolve', filed.data.dispute_id, '--resolution', 'Maybe', '--db', db])).code).toBe(2);
    const resolved = await cliJson(['disputes', 'resolve', filed.data.dispute_id, '--resolution', 'NoRefund', '--reason', 'work matches the spec', '--db', db]);
    expect(resolved.json).toMatchObject({ status: 'Resolved', resolution: 'NoRefund', refund_sats: 0 });
    expect(getBalance(ctx.db, agentAccountId(worker.id)).balanceMsats).toBe(1_900_000);
    expect((await cliJson(['ledger', 'verify', '--db', db])).json.ok).toBe(true);
  });
});
