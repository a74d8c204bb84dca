export { RULES, type FindingKind } from './patterns.js';
export { redactText, scanText, scanValue, type Finding } from './scan.js';
