// Who is calling. Every tool call and every HTTP request resolves to exactly one of these.
export type Caller =
  | { role: 'agent'; id: string; name: string; sponsorId: string }
  | { role: 'sponsor'; id: string; name: string }
  /** Whoever runs the marketplace: resolves disputes. One principal, id "operator". */
  | { role: 'operator'; id: typeof OPERATOR_ID; name: string };

export const OPERATOR_ID = 'operator';

export type Role = Caller['role'];
