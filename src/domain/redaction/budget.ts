// How much work one scan may take. The text comes from anyone, and phone detection
// (libphonenumber's finder) costs ~0.1 ms for every number-like candidate it tries to
// parse: a megabyte of `+1 415 ` or of floats is hundreds of thousands of them, minutes
// of one thread. Past either limit the scan stops and the text is refused, since what
// was not read cannot be said to be clean.
import { MarketError } from '../../core/errors.js';

/** Candidates the phone finder may try and fail to parse, over all texts one budget covers. */
export const MAX_PHONE_CANDIDATES = 10_000;
/** Wall time one budget allows, checked between rules, texts and phone candidates. */
export const MAX_SCAN_MS = 2_000;

export class ScanBudget {
  phoneCandidatesLeft: number;
  private readonly deadline: number;

  /** The defaults fit one call's samples; a contributor's machine checking a whole session allows more. */
  constructor(
    readonly maxMs = MAX_SCAN_MS,
    readonly maxPhoneCandidates = MAX_PHONE_CANDIDATES,
  ) {
    this.phoneCandidatesLeft = maxPhoneCandidates;
    this.deadline = performance.now() + maxMs;
  }

  /** Throws once the time is spent: called between pieces of work that are each short. */
  checkTime(): void {
    if (performance.now() > this.deadline) {
      throw new MarketError(
        'INVALID_INPUT',
        `Checking this text for secrets and personal data took longer than the scan's limit of ${this.maxMs.toLocaleString('en-US')} ms, so it was not accepted. Send less text per call.`,
        {
          limit: 'scan_ms',
          max: this.maxMs,
        },
      );
    }
  }

  phoneCandidatesExhausted(): never {
    throw new MarketError(
      'INVALID_INPUT',
      `This text holds more number-like sequences than the personal-data check reads (${this.maxPhoneCandidates.toLocaleString('en-US')} possible phone numbers per call), so it was not accepted. Send fewer or shorter samples per call.`,
      { limit: 'phone_candidates', max: this.maxPhoneCandidates },
    );
  }
}
