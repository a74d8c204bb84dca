// TEMPORARY stub until the redaction module lands.
export function scanValue(value: unknown, path = '$'): { kind: string; rule: string; start: number; end: number; path: string }[] {
  if (typeof value === 'string') {
    const out = [];
    if (/AKIA[0-9A-Z]{16}|sk-proj-/.test(value)) out.push({ kind: 'secret', rule: 'api-key', start: 0, end: 0, path });
    if (/@example\.com/.test(value)) out.push({ kind: 'pii', rule: 'email', start: 0, end: 0, path });
    return out;
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => scanValue(v, `${path}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => scanValue(v, `${path}.${k}`));
  return [];
}
