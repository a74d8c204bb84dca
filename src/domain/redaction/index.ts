export { RULES, type FindingKind } from './patterns.js';
export { redactText, scanText, type Finding } from './scan.js';
export { redactValue, scanValue, type LocatedFinding } from './json-value.js';
export { MAX_PHONE_CANDIDATES, MAX_SCAN_MS, ScanBudget } from './budget.js';
