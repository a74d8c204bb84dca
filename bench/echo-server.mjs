// The baseline for MCP overhead: the SDK's McpServer with one `echo` tool and nothing
// else. Run as a script it serves Streamable HTTP on 127.0.0.1 the way `serve --http`
// does (stateless: a fresh server and transport per request, JSON responses), and says
// where it listens on stderr.
import { pathToFileURL } from 'node:url';
import express from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

export function echoServer() {
  const server = new McpServer({ name: 'echo', version: '1.0.0' });
  server.registerTool('echo', { description: 'Returns its text.', inputSchema: { text: z.string() } }, ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  return server;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const app = express();
  app.use(express.json({ limit: '1mb' }));
  app.post('/mcp', async (req, res) => {
    const server = echoServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  const http = app.listen(0, '127.0.0.1', () => process.stderr.write(`echo listening on http://127.0.0.1:${http.address().port}/mcp\n`));
  process.on('SIGTERM', () => {
    http.close(() => process.exit(0));
    http.closeAllConnections();
  });
}
