// Compute providers: which may be routed jobs.
import { approveProvider, listProviderViews } from '../../domain/compute/providers.js';
import { MAX_PAGE_SIZE } from '../../domain/pagination.js';
import { defineCommand } from '../command-spec.js';
import { out } from '../output.js';

const providerId = { name: 'ID', summary: 'the provider (providers list --all shows them)' } as const;

function approval(name: 'providers approve' | 'providers suspend', approved: boolean, summary: string) {
  return defineCommand({
    name,
    section: 'Compute providers',
    summary,
    args: [providerId],
    async run({ ctx, flags, args }) {
      const view = await approveProvider(ctx.db, ctx.clock, args[0]!, approved);
      out(flags, view, `Provider ${view.provider_id} (${view.name}) is ${view.approved ? 'approved: jobs may be routed to it' : 'suspended: no job is routed to it'}.`);
      return 0;
    },
  });
}

export const providerCommands = [
  defineCommand({
    name: 'providers list',
    section: 'Compute providers',
    summary: 'approved providers, best score first (--all: also those waiting)',
    flags: { all: { type: 'boolean', summary: 'also the providers waiting for approval' } },
    async run({ ctx, flags }) {
      const page = await listProviderViews(ctx.db, ctx.clock, { includeUnapproved: flags.all === true, limit: MAX_PAGE_SIZE });
      out(
        flags,
        { ...page },
        page.items.length === 0
          ? 'No providers.'
          : page.items
              .map(
                (p) =>
                  `${p.provider_id}  ${p.approved ? 'approved ' : 'waiting  '}  ${p.tier.padEnd(11)}  score ${p.score}  ${p.price_sats} sats  kinds ${p.kinds.join(',')}  ${p.name}`,
              )
              .join('\n'),
      );
      return 0;
    },
  }),
  approval('providers approve', true, 'jobs may be routed to it'),
  approval('providers suspend', false, 'no job is routed to it any more'),
];
