// Array steps that wait for the database, run one at a time: inside a transaction they
// share one connection, and a SQLite transaction's statements must not interleave with
// another step's savepoints. (Promise.all would start them all at once.)

export async function mapInOrder<T, R>(items: Iterable<T>, fn: (item: T, index: number) => Promise<R> | R): Promise<R[]> {
  const results: R[] = [];
  let i = 0;
  for (const item of items) results.push(await fn(item, i++));
  return results;
}

export async function filterInOrder<T>(items: Iterable<T>, keep: (item: T) => Promise<boolean> | boolean): Promise<T[]> {
  const kept: T[] = [];
  for (const item of items) if (await keep(item)) kept.push(item);
  return kept;
}
