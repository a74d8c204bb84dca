// The operator's review of skill versions: the queue, every file with the scanner's
// findings under their lines, the decision, and deprecation.
import { deprecateSkillVersion, reviewSkillVersion } from '../../domain/skills/catalogue.js';
import { reviewQueue, versionForReview } from '../../domain/skills/version-review.js';
import { defineCommand } from '../command-spec.js';
import { dbOption, out } from '../output.js';
import { renderVersionForReview } from '../skill-review-text.js';

const slug = { name: 'SLUG', summary: 'the skill (skills queue lists those waiting)' } as const;
const version = { type: 'string', value: 'V', summary: 'the version', required: true } as const;

export const skillCommands = [
  defineCommand({
    name: 'skills queue',
    section: 'Skills',
    summary: 'versions waiting for review, with scanner findings',
    async run({ ctx, flags }) {
      const items = await reviewQueue(ctx.db);
      out(
        flags,
        { items },
        items.length === 0
          ? 'Nothing waits for review.'
          : items
              .map((i) =>
                [
                  `${i.slug} ${i.versions.join(', ')} by ${i.author_id}: ${i.scan_findings.length} scanner finding(s)`,
                  ...i.versions.map((v) => `  inspect with: agent-marketplace skills show ${i.slug} --version ${v}${dbOption(flags)}`),
                ].join('\n'),
              )
              .join('\n'),
      );
      return 0;
    },
  }),
  defineCommand({
    name: 'skills show',
    section: 'Skills',
    summary: 'every file of a version, each finding under its line\n(default: the newest awaiting review, else the newest)',
    args: [slug],
    flags: { version: { type: 'string', value: 'V', summary: 'the version to show', defaultText: 'the newest awaiting review, else the newest' } },
    async run({ ctx, flags, args }) {
      const v = await versionForReview(ctx.db, args[0]!, flags.version);
      out(flags, { ...v }, renderVersionForReview(v, dbOption(flags)));
      return 0;
    },
  }),
  defineCommand({
    name: 'skills review',
    section: 'Skills',
    summary: 'the decision on a version; approving publishes it',
    args: [slug],
    flags: {
      version,
      decision: {
        type: 'string',
        value: 'approve|request-changes|reject',
        summary: 'approve publishes the version',
        choices: ['approve', 'request-changes', 'reject'],
        required: true,
      },
      reason: { type: 'string', value: 'R', summary: 'what the creator is told' },
    },
    async run({ ctx, flags, args }) {
      const result = await reviewSkillVersion(ctx.db, ctx.clock, { slug: args[0]!, version: flags.version, decision: flags.decision, reason: flags.reason });
      out(flags, { ...result }, `${result.slug}@${result.version} is now ${result.status}.`);
      return 0;
    },
  }),
  defineCommand({
    name: 'skills deprecate',
    section: 'Skills',
    summary: 'mark a version Deprecated; the listing moves to the newest published one',
    args: [slug],
    flags: { version },
    async run({ ctx, flags, args }) {
      const result = await deprecateSkillVersion(ctx.db, ctx.clock, args[0]!, flags.version);
      out(flags, { ...result }, `${result.slug}@${result.version} is now ${result.status}.`);
      return 0;
    },
  }),
];
