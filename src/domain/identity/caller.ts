// Who is calling. Every tool call and every HTTP request resolves to exactly one of these.
export type Caller =
  | { role: 'agent'; id: string; name: string; sponsorId: string }
  | { role: 'sponsor'; id: string; name: string };

export type Role = Caller['role'];
