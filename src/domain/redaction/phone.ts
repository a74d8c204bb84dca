// Phone numbers, found by libphonenumber-js (synchronous, kept up to date with every
// country's numbering plan) and then filtered, because its finder reads any run of
// digits that could be dialled as a number: in data samples those are ids, amounts,
// timestamps and lists of version numbers far more often than phones.
import { findPhoneNumbersInText, type NumberFound } from 'libphonenumber-js';

/** Numbers in national format are read as US ones; international (+CC) ones are read as written. */
const DEFAULT_COUNTRY = 'US';

export function findPhoneNumbers(text: string): { start: number; end: number }[] {
  // A digit run is the cheapest sign a phone number might be present.
  if (!/\d{3}/.test(text)) return [];
  return findPhoneNumbersInText(text, { defaultCountry: DEFAULT_COUNTRY })
    .filter((p) => writtenAsPhoneNumber(text.slice(p.startsAt, p.endsAt), p))
    .map((p) => ({ start: p.startsAt, end: p.endsAt }));
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
