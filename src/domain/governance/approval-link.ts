// Where the sponsor decides an approval, told to whoever waits on it, over any transport:
// an agent on stdio must be able to tell its human what to do, not only "pending". With
// a public address that is the console's page for the request (src/http/console.ts
// serves /approvals/:id); without one, the ways a sponsor decides out of band: the
// command line, its own MCP tools, the console of a server started over HTTP.

/** The console page of one approval request. */
export function approvalUrl(publicUrl: string, approvalId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/approvals/${encodeURIComponent(approvalId)}`;
}

/**
 * How the sponsor approves (or denies) a request when no approval page can be named.
 * `dbPath` is the database to name on the command line, when it is not the default one.
 */
export function howToApprove(approvalId: string, dbPath: string | null): string {
  const db = dbPath ? ` --db ${JSON.stringify(dbPath)}` : '';
  return (
    `Your sponsor decides this request; you cannot approve it yourself. Ask them to run ` +
    `\`agent-marketplace approvals approve ${approvalId}${db}\` (or \`agent-marketplace approvals deny ${approvalId}${db} --reason "…"\`), ` +
    `or to call marketplace_decide_approval with their sponsor token, or, where this marketplace is also served over HTTP ` +
    `(agent-marketplace serve --http), to open /approvals/${approvalId} on its console. ` +
    `Meanwhile follow it with marketplace_get_approval.`
  );
}

/** What a waiting answer adds for the human: the approval page when the address is known, else how to approve. */
export function approvalPointers(approvalId: string, where: { publicUrl: string | null; dbPath: string | null }): { approval_url: string } | { how_to_approve: string } {
  return where.publicUrl ? { approval_url: approvalUrl(where.publicUrl, approvalId) } : { how_to_approve: howToApprove(approvalId, where.dbPath) };
}
