/**
 * A command line that cannot run as typed: exit 2 with the message and a pointer to the
 * help of `command` (the command it was for, when known), else to --help.
 */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}
