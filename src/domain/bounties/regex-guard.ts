// Which regular expressions a bounty's schema may carry. safe-regex2 refuses nested
// repetition ((a+)+) but not a repeated group whose alternatives can match the same text:
// ^(a|a)*$ tries 2^n ways to read n a's before failing on "aaa…b". Deciding whether two
// alternatives overlap is hard in general, so the rule here is deliberately blunt: a group
// repeated more than once ( *, +, {n} or {n,m} with n or m above 1) may not contain an
// alternation anywhere inside it, unless every alternative is one literal character and
// no two are the same ((a|b|c)*, which is just [abc]*). (foo|bar)+ is refused too, though
// it is safe: a character class or an unrepeated alternation says the same in most schemas.

interface Frame {
  /** For each finished alternative: its single literal character, or null when it is anything else. */
  alternatives: (string | null)[];
  /** Tokens in the alternative being read, and its literal while it is one plain character. */
  tokens: number;
  literal: string | null;
  /** A group inside has alternation that is not a set of distinct single characters. */
  riskyInside: boolean;
}

const frame = (): Frame => ({ alternatives: [], tokens: 0, literal: null, riskyInside: false });

/** Escapes that stand for a class or an assertion, not for one character. */
const CLASS_ESCAPES = new Set([...'dDwWsSbBpPkuxcv0123456789']);

/** True when the pattern repeats a group holding alternatives that may overlap. */
export function repeatsAmbiguousAlternation(pattern: string): boolean {
  const stack: Frame[] = [frame()];
  const top = () => stack.at(-1)!;
  const token = (literal: string | null) => {
    const f = top();
    f.tokens++;
    f.literal = f.tokens === 1 ? literal : null;
  };
  const endAlternative = (f: Frame) => {
    f.alternatives.push(f.tokens === 1 ? f.literal : null);
    f.tokens = 0;
    f.literal = null;
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      token(CLASS_ESCAPES.has(next) ? null : next);
      i++;
    } else if (c === '[') {
      // A character class is one token; its contents (escapes included) end at the first unescaped ].
      for (i++; i < pattern.length && pattern[i] !== ']'; i++) if (pattern[i] === '\\') i++;
      token(null);
    } else if (c === '(') {
      stack.push(frame());
      // Skip the group's kind: ?: ?= ?! ?<= ?<! ?<name>
      if (pattern[i + 1] === '?') {
        const close = pattern[i + 2] === '<' && pattern[i + 3] !== '=' && pattern[i + 3] !== '!' ? pattern.indexOf('>', i) : i + (pattern[i + 2] === '<' ? 3 : 2);
        i = close < 0 ? pattern.length : close;
      }
    } else if (c === ')') {
      if (stack.length === 1) continue; // unbalanced: the schema compiler reports it
      const group = stack.pop()!;
      endAlternative(group);
      const literals = group.alternatives.filter((a): a is string => a !== null);
      const alternation = group.alternatives.length > 1;
      const distinctCharacters = literals.length === group.alternatives.length && new Set(literals).size === literals.length;
      const risky = group.riskyInside || (alternation && !distinctCharacters);
      const repeats = repetitionAt(pattern, i + 1);
      if (risky && repeats) return true;
      token(null);
      if (risky) top().riskyInside = true;
    } else if (c === '|') {
      endAlternative(top());
    } else if (c === '*' || c === '+' || c === '?' || c === '{') {
      // A quantified token is no longer one literal character.
      if (c !== '{' || /^\{\d+(?:,\d*)?\}/.test(pattern.slice(i))) {
        top().literal = null;
        if (c === '{') i = pattern.indexOf('}', i);
      } else token('{');
    } else {
      token(c === '.' || c === '^' || c === '$' ? null : c);
    }
  }
  return false;
}

/** Whether the quantifier starting at `at` (if any) lets the preceding group match more than once. */
function repetitionAt(pattern: string, at: number): boolean {
  const c = pattern[at];
  if (c === '*' || c === '+') return true;
  if (c !== '{') return false;
  const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(at));
  if (!m) return false;
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
  return max > 1;
}
