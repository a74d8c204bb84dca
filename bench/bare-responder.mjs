// The machine's limit for a JSON-RPC answer over HTTP: node:http alone, reading the body,
// parsing it and answering a tiny tools/call result, with nothing else in the way. Run as
// a script it says where it listens on stderr, like `serve --http`.
import http from 'node:http';

const RESULT = { content: [{ type: 'text', text: '{"ok":true}' }], structuredContent: { ok: true } };

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const message = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const text = JSON.stringify({ jsonrpc: '2.0', id: message.id, result: RESULT });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => process.stderr.write(`listening on http://127.0.0.1:${server.address().port}/mcp\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
