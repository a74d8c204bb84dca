import autocannon from 'autocannon';
import http from 'node:http';
import { spawn } from 'node:child_process';
const [,, what, conns = '10', secs = '5'] = process.argv;
async function run(url, headers, body) {
  const r = await autocannon({ url, method: 'POST', headers, body, connections: Number(conns), duration: Number(secs) });
  return { rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
}
if (what === 'bare') {
  const s = http.createServer((req, res) => { let b=''; req.on('data', d => b += d); req.on('end', () => { const m = JSON.parse(b); res.writeHead(200, {'content-type':'application/json'}); res.end(JSON.stringify({jsonrpc:'2.0', id:m.id, result:{content:[{type:'text',text:'{}'}]}})); }); });
  await new Promise(r => s.listen(0, '127.0.0.1', r));
  console.log('bare', await run(`http://127.0.0.1:${s.address().port}/mcp`, {'content-type':'application/json'}, JSON.stringify({jsonrpc:'2.0',id:1,method:'tools/call',params:{name:'x',arguments:{}}})));
  s.close();
} else {
  const [url, token] = [process.env.URL, process.env.TOKEN];
  const headers = { 'content-type':'application/json', accept:'application/json, text/event-stream', authorization:`Bearer ${token}`, 'mcp-protocol-version':'2025-06-18' };
  const tool = what === 'pay' ? { name:'marketplace_send_payment', arguments:{ to_agent_id: process.env.PAYEE, amount_sats: 1 } } : { name:'marketplace_check_balance', arguments:{} };
  console.log(what, await run(url, headers, JSON.stringify({jsonrpc:'2.0',id:1,method:'tools/call',params:tool})));
}
