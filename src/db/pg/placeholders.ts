// The stores write SQL once, with SQLite's placeholders: '?' in order, or '@name' bound
// from one object (as better-sqlite3 binds them). PostgreSQL numbers its parameters
// ($1, $2…). This rewrites the text once per statement and says how to order the
// values; quoted text and identifiers, and '::' casts, are left alone. Hand-written:
// no maintained library converts better-sqlite3's parameter styles for node-postgres.

export interface PgStatementText {
  text: string;
  /** For '@name' statements: the name of each $n, in order; null when the text uses '?'. */
  names: string[] | null;
}

export function toPgPlaceholders(sql: string): PgStatementText {
  let out = '';
  let next = 1;
  const names: string[] = [];
  let named = false;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const end = closingQuote(sql, i, c);
      out += sql.slice(i, end + 1);
      i = end;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop - 1;
    } else if (c === '?') {
      out += `$${next++}`;
    } else if ((c === '@' || c === ':' || c === '$') && /[A-Za-z_]/.test(sql[i + 1] ?? '') && !(c === ':' && (sql[i - 1] === ':' || sql[i + 1] === ':'))) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1))![0];
      named = true;
      let index = names.indexOf(name);
      if (index === -1) index = names.push(name) - 1;
      out += `$${index + 1}`;
      i += name.length;
    } else {
      out += c;
    }
  }
  if (named && next > 1) throw new Error(`a statement mixes '?' and named parameters: ${sql.slice(0, 120)}`);
  return { text: out, names: named ? names : null };
}

/** Where a quoted run that opens at `start` ends ('' and "" inside are escaped quotes). */
function closingQuote(sql: string, start: number, quote: string): number {
  for (let i = start + 1; i < sql.length; i++) {
    if (sql[i] !== quote) continue;
    if (sql[i + 1] === quote) i++;
    else return i;
  }
  return sql.length - 1;
}

/** The values for $1..$n from what the caller bound: positional values, or one object for named ones. */
export function pgValues(statement: PgStatementText, params: readonly unknown[]): unknown[] {
  if (statement.names === null) return params.map(pgValue);
  const bound = (params[0] ?? {}) as Record<string, unknown>;
  return statement.names.map((name) => pgValue(bound[name]));
}

// better-sqlite3 binds undefined as NULL and refuses booleans; the stores pass 0/1 for flags, which PostgreSQL stores as bigint.
const pgValue = (v: unknown) => (v === undefined ? null : typeof v === 'boolean' ? (v ? 1 : 0) : v);
