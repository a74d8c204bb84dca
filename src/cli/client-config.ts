// Ready-to-paste configuration for the MCP clients people actually use. The stdio form
// launches this very installation with the agent's token in the environment.
import path from 'node:path';
import type { Config } from '../config.js';
import { defaultSecretKeyFile } from '../db/secret-key.js';
import { PACKAGE_ROOT } from '../package-root.js';

export interface ConnectionInfo {
  token: string;
  dbPath: string;
  httpUrl: string;
  /** Named in the launch only when it is not the default beside the database. */
  secretKeyFile: string | null;
}

/** What a client of this server's configuration needs to reach it as the holder of `token`. */
export function connectionInfo(config: Config, token: string): ConnectionInfo {
  const customKey = config.secretKeyFile !== defaultSecretKeyFile(config.dbPath);
  const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
  return { token, dbPath: config.dbPath, httpUrl: `http://${host}:${config.http.port}/mcp`, secretKeyFile: customKey ? config.secretKeyFile : null };
}

const SERVER_NAME = 'agent-marketplace';
const CLI_PATH = path.join(PACKAGE_ROOT, 'dist', 'cli.js');

function stdioLaunch(info: ConnectionInfo) {
  const key = info.secretKeyFile === null ? [] : ['--secret-key-file', info.secretKeyFile];
  return { command: process.execPath, args: [CLI_PATH, 'serve', '--db', info.dbPath, ...key], env: { MARKETPLACE_TOKEN: info.token } };
}

export function clientConfigs(info: ConnectionInfo): Record<string, { file: string; snippet: string }> {
  const launch = stdioLaunch(info);
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`);
  return {
    'Claude Desktop': {
      file: 'claude_desktop_config.json (Settings → Developer → Edit Config)',
      snippet: JSON.stringify({ mcpServers: { [SERVER_NAME]: launch } }, null, 2),
    },
    'Claude Code': {
      file: 'run in your project',
      snippet: [
        `claude mcp add ${SERVER_NAME} --env MARKETPLACE_TOKEN=${info.token} -- ${[launch.command, ...launch.args].map(quote).join(' ')}`,
        `# or, with \`agent-marketplace serve --http\` running:`,
        `claude mcp add --transport http ${SERVER_NAME} ${info.httpUrl} --header "Authorization: Bearer ${info.token}"`,
      ].join('\n'),
    },
    Cursor: {
      file: '.cursor/mcp.json (or ~/.cursor/mcp.json)',
      snippet: JSON.stringify({ mcpServers: { [SERVER_NAME]: launch } }, null, 2),
    },
    'VS Code': {
      file: '.vscode/mcp.json',
      snippet: JSON.stringify({ servers: { [SERVER_NAME]: { type: 'stdio', ...launch } } }, null, 2),
    },
    'Any client over HTTP': {
      file: 'with `agent-marketplace serve --http` running',
      snippet: JSON.stringify({ url: info.httpUrl, headers: { Authorization: `Bearer ${info.token}` } }, null, 2),
    },
  };
}

export function renderClientConfigs(info: ConnectionInfo): string {
  return Object.entries(clientConfigs(info))
    .map(([client, { file, snippet }]) => `── ${client}: ${file}\n${snippet}`)
    .join('\n\n');
}
