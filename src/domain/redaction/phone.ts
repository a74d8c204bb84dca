// Phone numbers, found by libphonenumber-js (synchronous, kept up to date with every
// country's numbering plan) and then filtered, because its finder reads any run of
// digits that could be dialled as a number: in data samples those are ids, amounts,
// timestamps and lists of version numbers far more often than phones.
import { PhoneNumberMatcher, type CountryCode, type NumberFound } from 'libphonenumber-js';
import type { ScanBudget } from './budget.js';

/** Numbers in national format are read as US ones; international (+CC) ones are read as written. */
const DEFAULT_COUNTRY: CountryCode = 'US';

/**
 * Stretches of text between characters no phone number contains (letters, JSON's quotes
 * and separators): every number the finder can report lies inside one, so each is read
 * on its own and most are skipped before the finder, which is slow, sees them.
 */
const STRETCH = /[^\p{L}\p{M},;:"'{}<>=!?&*^%$@|\\`_]+/gu;
const DIGIT_GROUP = /\p{Nd}+/gu;

// `maxTries` (an option, and what is left of it on the matcher) is documented but missing from the types.
declare module 'libphonenumber-js' {
  interface PhoneNumberMatcher {
    maxTries: number;
  }
}

export function findPhoneNumbers(text: string, budget: ScanBudget): { start: number; end: number }[] {
  const found: { start: number; end: number }[] = [];
  for (const stretch of text.matchAll(STRETCH)) {
    if (!mayHoldPhoneNumber(stretch[0])) continue;
    // One character either side, so the finder's checks on what precedes and follows a number still see it.
    const from = Math.max(0, stretch.index - 1);
    const window = text.slice(from, stretch.index + stretch[0].length + 1);
    const options = { defaultCountry: DEFAULT_COUNTRY, v2: true as const, maxTries: budget.phoneCandidatesLeft };
    const matcher = new PhoneNumberMatcher(window, options);
    while (matcher.hasNext()) {
      const p = matcher.next()!;
      if (writtenAsPhoneNumber(window.slice(p.startsAt, p.endsAt), p)) found.push({ start: from + p.startsAt, end: from + p.endsAt });
      budget.checkTime();
    }
    // The matcher stops quietly when its tries run out; what it did not read is unknown.
    if (matcher.maxTries <= 0) budget.phoneCandidatesExhausted();
    budget.phoneCandidatesLeft = matcher.maxTries;
    budget.checkTime();
  }
  return found;
}

/**
 * What writtenAsPhoneNumber could accept: a digit run (3 or more, as in every number), and
 * a `+` or at least two groups of digits. `id 4155552671` and `price 12.5` never pass.
 */
function mayHoldPhoneNumber(stretch: string): boolean {
  if (!/\d{3}/.test(stretch)) return false;
  if (/[+＋]/.test(stretch)) return true;
  DIGIT_GROUP.lastIndex = 0;
  return DIGIT_GROUP.test(stretch) && DIGIT_GROUP.test(stretch);
}

/**
 * A leading `+` is taken at its word. Otherwise the number must be written in groups and
 * every break between digits must fall where the number's own format puts one (as in
 * libphonenumber's STRICT_GROUPING, which the JavaScript port leaves out):
 * `(415) 555-2671` and `415 5552671` are phones; `4155552671` (ten digits, four times
 * in ten a valid US number) and `30.32.0 10.10.0` are not.
 */
function writtenAsPhoneNumber(raw: string, found: NumberFound): boolean {
  if (raw.startsWith('+')) return true;
  const groups = raw.split(/\D+/).filter(Boolean);
  if (groups.length < 2) return false;
  const national = found.number.nationalNumber;
  const digits = groups.join('');
  const offset = digits.indexOf(national);
  if (offset < 0) return true;
  // Digits before the national number (a country code, or a dialing prefix such as the US
  // 011) are written apart from it: `0 114901000000000000` is a version and a count, not
  // a call to Germany.
  if (offset > 0 && !breaks(groups).includes(offset)) return false;
  // The international format without its calling code is the national number, grouped.
  const allowed = new Set(breaks(found.number.formatInternational().split(/\D+/).filter(Boolean).slice(1)));
  return breaks(groups)
    .map((b) => b - offset)
    .filter((b) => b > 0 && b < national.length)
    .every((b) => allowed.has(b));
}

/** Positions, counted in digits, where one group ends and the next begins. */
function breaks(groups: string[]): number[] {
  let n = 0;
  return groups.slice(0, -1).map((g) => (n += g.length));
}
