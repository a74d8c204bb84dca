// A database is named by a SQLite file path or a postgres:// URL. A URL may carry a
// password, so what is logged or printed is the URL without it.

export const isPostgresUrl = (target: string) => /^postgres(ql)?:\/\//i.test(target);

/** The database as it may be shown: a URL's password becomes ***. */
export function displayedDatabase(target: string): string {
  if (!isPostgresUrl(target)) return target;
  try {
    const url = new URL(target);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://(unreadable URL)';
  }
}

/** A short stable name for a PostgreSQL database (host, port, name), for files kept beside it. */
export function postgresSlug(target: string): string {
  const url = new URL(target);
  const name = url.pathname.replace(/^\//, '') || 'postgres';
  return `${url.hostname || 'localhost'}-${url.port || '5432'}-${name}`.replace(/[^A-Za-z0-9._-]/g, '_');
}
