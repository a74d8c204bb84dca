// A synthetic skills catalogue written straight into the tables (publishing 100,000
// skills through the review flow would take minutes): a Zipf-like vocabulary, so a few
// words are in thousands of skills (broad queries) and most in a handful (specific ones).

export function lcg(seed) {
  let state = seed;
  return () => (state = (state * 16807) % 2147483647) / 2147483647;
}

export const VOCAB = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}x${(i * 7919).toString(36).slice(-3)}`);

export function wordSource(random) {
  const word = () => VOCAB[Math.floor(VOCAB.length * random() ** 3)];
  return { word, words: (n) => Array.from({ length: n }, word).join(' ') };
}

/** Each skill carries one rare tag shared by SHARING skills, like a product name. */
const SHARING = 10;

/** A query that matches a few skills (SHARING of them) of a catalogue of `count`. */
export function specificTerm(random, count) {
  return `rare${Math.floor(random() * Math.ceil(count / SHARING))}`;
}

export async function seedSkills(db, authorId, count) {
  const random = lcg(42);
  const { word, words } = wordSource(random);
  const insertSkill = db.sqlite.prepare(
    `INSERT INTO skills (id, slug, name, description, tags, author_id, author_kind, pricing, reference_price_sats, revenue_split, latest_version,
       rating_sum, rating_count, installs, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, 'agent', '{"model":"Free"}', 0, '{"creator_pct":60,"compute_pct":25,"platform_pct":10,"referrer_pct":5}', '1.0.0', ?, ?, ?, ?, ?)`,
  );
  const insertFts = db.sqlite.prepare('INSERT INTO skills_fts (rowid, name, description, tags, readme) VALUES (?, ?, ?, ?, ?)');
  await db.write(async () => {
    const now = new Date().toISOString();
    for (let i = 0; i < count; i++) {
      const name = words(3);
      const description = words(14);
      const tags = [word(), word(), word(), `rare${i % Math.ceil(count / SHARING)}`];
      const ratings = Math.floor(random() * 20);
      const { lastInsertRowid } = insertSkill.run(
        `sk_bench_${i}`,
        `bench-${i}`,
        name,
        description,
        JSON.stringify(tags),
        authorId,
        ratings * 4,
        ratings,
        Math.floor(random() * 1000),
        now,
        now,
      );
      insertFts.run(lastInsertRowid, name, description, tags.join(' '), words(40));
    }
  });
}
