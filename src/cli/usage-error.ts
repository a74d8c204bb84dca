/** A command line that cannot run as typed: exit 2 with the message and a pointer to --help. */
export class UsageError extends Error {}
