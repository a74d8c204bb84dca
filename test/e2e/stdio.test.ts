// What an IDE does: launch the server as a child process and speak MCP over its stdio.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';
import { tempDbPath } from '../support/fixtures.js';
import { callOnProcess, CLI, cliJson, runCli, stdioServerProcess } from '../support/processes.js';

describe('serve over stdio', () => {
  it.each([
    ['the key beside the database', false],
    ['its own secret key file', true],
  ])('runs as init configured it for Claude Desktop (%s): lists tools and answers marketplace_check_balance for the agent in MARKETPLACE_TOKEN', async (_, ownKey) => {
    const db = tempDbPath();
    const key = ownKey ? ['--secret-key-file', `${db}.elsewhere.key`] : [];
    const init = await runCli(['init', '--db', db, ...key]);
    const agentId = /Agent\s+(ag_\w+)/.exec(init.stdout)![1]!;
    await cliJson(['fund', '--agent', agentId, '--sats', '4200', '--db', db, ...key]);
    // The snippet a user pastes into claude_desktop_config.json, launched as the IDE would.
    const snippet = /── Claude Desktop:[^\n]*\n(\{[\s\S]*?\n\})\n/.exec(init.stdout)![1]!;
    const launch = (JSON.parse(snippet) as { mcpServers: Record<string, { command: string; args: string[]; env: Record<string, string> }> }).mcpServers['agent-marketplace']!;
    expect(launch.args[0]).toBe(CLI);

    const transport = new StdioClientTransport({
      command: launch.command,
      args: launch.args,
      env: { ...process.env, ...launch.env } as Record<string, string>,
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (d) => (stderr += d));
    const client = new Client({ name: 'stdio-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('marketplace_check_balance');
      const result = await client.callTool({ name: 'marketplace_check_balance', arguments: {} });
      expect(result.structuredContent).toMatchObject({ agent_id: agentId, balance_sats: 4200, available_sats: 4200 });
    } finally {
      await client.close();
    }
    // Logs went to stderr; stdout carried only protocol (the client would have failed to parse anything else).
    expect(stderr).toContain('serving MCP over stdio');
  });

  it('answers a call made after its token was revoked mid-session with the coded UNAUTHORIZED result, not a protocol error', async () => {
    const db = tempDbPath();
    const { json } = await cliJson(['init', '--db', db]);
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'serve', '--db', db],
      env: { ...process.env, MARKETPLACE_TOKEN: json.agent.token, MARKETPLACE_LOG_LEVEL: 'warn' },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'stdio-revoked', version: '1.0.0' });
    await client.connect(transport);
    try {
      const before = await client.callTool({ name: 'marketplace_check_balance', arguments: {} });
      expect(before.isError).toBeFalsy();
      const rotated = await cliJson(['token', 'rotate', '--agent', json.agent.id, '--db', db]);
      expect(rotated.code).toBe(0);
      const after = await client.callTool({ name: 'marketplace_check_balance', arguments: {} });
      expect(after.isError).toBe(true);
      expect(after.structuredContent).toMatchObject({ error: { code: 'UNAUTHORIZED', message: expect.stringMatching(/revoked/) } });
      // A tool the revoked caller never had answers the same way: who is calling is settled first.
      const unknown = await client.callTool({ name: 'marketplace_no_such_tool', arguments: {} });
      expect(unknown.structuredContent).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    } finally {
      await client.close();
    }
  });

  it('tells the agent where its sponsor approves a pending call: the page with --public-url, else how, and that way works', async () => {
    const db = tempDbPath();
    const { json } = await cliJson(['init', '--db', db]);
    await cliJson(['fund', '--agent', json.agent.id, '--sats', '50000', '--db', db]);
    const payee = (await cliJson(['agent', 'create', '--sponsor', json.sponsor.id, '--name', 'Payee', '--db', db])).json;
    // Over the default per-transaction limit of 10,000 sats: the call waits for the sponsor.
    const pay = { to_agent_id: payee.id, amount_sats: 20_000 };

    const linked = await stdioServerProcess(db, json.agent.token, ['--public-url', 'https://market.example']);
    try {
      const asked = await callOnProcess(linked, 'marketplace_send_payment', pay);
      expect(asked.data).toMatchObject({ status: 'pending_approval', approval_url: `https://market.example/approvals/${asked.data.approval_id}` });
      expect(asked.data).not.toHaveProperty('how_to_approve');
    } finally {
      await linked.close();
    }

    const plain = await stdioServerProcess(db, json.agent.token);
    try {
      const asked = await callOnProcess(plain, 'marketplace_send_payment', { ...pay, memo: 'second' });
      expect(asked.data.status).toBe('pending_approval');
      expect(asked.data).not.toHaveProperty('approval_url');
      const id = asked.data.approval_id as string;
      const command = `agent-marketplace approvals approve ${id} --db ${JSON.stringify(db)}`;
      expect(asked.data.how_to_approve).toContain(command);
      expect(asked.data.how_to_approve).toContain('marketplace_decide_approval');
      expect(asked.data.how_to_approve).toContain(`/approvals/${id}`);
      // Polling says the same while it waits.
      expect((await callOnProcess(plain, 'marketplace_get_approval', { approval_id: id })).data).toMatchObject({ status: 'pending', how_to_approve: asked.data.how_to_approve });
      // The sponsor runs exactly what it was told, and the payment runs once.
      const approved = await runCli(['approvals', 'approve', id, '--db', db, '--json']);
      expect(approved.code).toBe(0);
      const after = (await callOnProcess(plain, 'marketplace_get_approval', { approval_id: id })).data;
      expect(after).toMatchObject({ status: 'executed', result: { status: 'completed', amount_sats: 20_000 } });
      expect(after).not.toHaveProperty('how_to_approve');
    } finally {
      await plain.close();
    }
  });

  it('refuses to start without a valid token, explaining why on stderr', async () => {
    const db = tempDbPath();
    await cliJson(['init', '--db', db]);
    const missing = await runCli(['serve', '--db', db], { MARKETPLACE_TOKEN: '' });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/UNAUTHORIZED: Set MARKETPLACE_TOKEN/);
    const wrong = await runCli(['serve', '--db', db], { MARKETPLACE_TOKEN: 'amag_wrong' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/unknown or revoked/);
  });
});
