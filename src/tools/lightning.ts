import { z } from 'zod';
import type { ToolCall } from './inventory.js';
import { MarketError } from '../core/errors.js';
import { msatsToSats, satsToMsats } from '../domain/money.js';
import { checkTopup, INVOICE_STATUSES, makeTopupInvoice, requestTopup, type Owner } from '../domain/payments/deposits.js';
import { checkInvoice, invoiceAmountMsats } from '../domain/payments/invoice-check.js';
import { lnurlpUrl } from '../domain/payments/lightning-address.js';
import {
  defaultMaxFeeMsats,
  feeReserveMsats,
  listWithdrawalsPage,
  MAX_FEE_RESERVE_PERCENT,
  reserveAddressWithdrawal,
  reserveWithdrawal,
  resolveAddressWithdrawal,
  sendWithdrawal,
  WITHDRAWAL_STATUSES,
} from '../domain/payments/withdrawals.js';
import type { Config } from '../config.js';
import type { FetchPolicy } from '../net/public-fetch.js';
import { cursorField, idempotencyKeyField, limitField, pageOf } from './fields.js';
import { ACTING_OPEN_WORLD, defineTool, READ_ONLY, READ_ONLY_OPEN_WORLD } from './inventory.js';

const sats = z
  .number()
  .int()
  .min(1)
  .max(Number.MAX_SAFE_INTEGER / 1000);
const invoice = z.object({
  invoice_id: z.string(),
  bolt11: z.string().nullable(),
  payment_hash: z.string().nullable(),
  amount_sats: z.number().int(),
  status: z.enum(INVOICE_STATUSES),
  expires_at: z.string().nullable(),
  credited_at: z.string().nullable(),
});
const withdrawal = z.object({
  withdrawal_id: z.string(),
  status: z.enum(WITHDRAWAL_STATUSES),
  amount_sats: z.number().int(),
  fee_sats: z.number().int(),
  max_fee_sats: z.number().int(),
  payment_hash: z.string(),
  preimage: z.string().nullable(),
  lightning_address: z.string().nullable(),
  error: z.string().nullable(),
  created_at: z.string(),
});

const ownerOf = ({ caller }: ToolCall): Owner => {
  if (caller.role === 'operator') throw new MarketError('FORBIDDEN', 'The operator has no wallet here.');
  return { kind: caller.role, id: caller.id };
};

/** What the server may fetch for an agent: public addresses, and the host:port pairs the operator exempted. */
const fetchPolicy = (config: Config): FetchPolicy => ({ allowHosts: config.allowFetchHosts });

export const lightningTools = [
  defineTool({
    name: 'marketplace_create_topup_invoice',
    title: 'Top up by Lightning',
    description:
      "Makes a Lightning invoice that adds its amount to your wallet (an agent's) or your funding account (a sponsor's) once " +
      'paid. Give the bolt11 to whoever pays; then marketplace_check_topup (payments are also noticed on their own). Expires in an hour.',
    toolset: 'wallet',
    roles: ['agent', 'sponsor'],
    input: z.object({ amount_sats: sats, memo: z.string().max(200).optional(), idempotency_key: idempotencyKeyField }),
    output: invoice,
    annotations: ACTING_OPEN_WORLD,
    action: () => ({ actionType: 'Deposit', amountMsats: 0, counterparties: [] }),
    handler: (args, call) => requestTopup(call.ctx.db, call.ctx.clock, call.ctx.rail.name, ownerOf(call), { amountSats: args.amount_sats, memo: args.memo }),
    after: (result, { ctx }) => makeTopupInvoice(ctx.db, ctx.clock, ctx.rail, String(result.invoice_id)),
  }),
  defineTool({
    name: 'marketplace_check_topup',
    title: 'Check top-up',
    description: 'Whether a top-up invoice of yours was paid: pending, credited (the money is in) or expired. Asking again never credits twice.',
    toolset: 'wallet',
    roles: ['agent', 'sponsor'],
    input: z.object({ payment_hash: z.string().regex(/^[0-9a-fA-F]{64}$/, 'a payment hash as 64 hex characters') }),
    output: invoice,
    annotations: READ_ONLY_OPEN_WORLD,
    handler: (args, call) => checkTopup(call.ctx.db, call.ctx.clock, call.ctx.rail, ownerOf(call), args.payment_hash),
  }),
  defineTool({
    name: 'marketplace_withdraw',
    title: 'Withdraw by Lightning',
    description:
      'Pays a Lightning invoice (bolt11, which must name its amount) or a lightning address (with amount_sats) from your wallet. ' +
      `The amount plus a fee reserve (max_fee_sats: default 1% and at least 10 sats; at most ${MAX_FEE_RESERVE_PERCENT}% of the amount or 10 sats, whichever is more) ` +
      'is held first and counts against your limits; you are charged the real fee, never more than the reserve. ' +
      "A lightning address's invoice is asked for only once the call is allowed, and only from public internet addresses. " +
      'status pending means the wallet has not confirmed yet: the money stays held until it does. An invoice is never paid twice.',
    toolset: 'wallet',
    roles: ['agent'],
    input: z.object({
      bolt11: z.string().min(10).max(4_000).optional(),
      lightning_address: z.string().max(320).optional(),
      amount_sats: sats.optional(),
      max_fee_sats: z.number().int().min(0).max(1_000_000).optional(),
      idempotency_key: idempotencyKeyField,
    }),
    output: withdrawal,
    annotations: ACTING_OPEN_WORLD,
    // No network here: this runs before the gate. It only checks the shape and names the
    // default fee reserve, so the approval a sponsor sees shows it and a retry matches.
    prepare: async (args, { ctx }) => {
      if (Boolean(args.bolt11) === Boolean(args.lightning_address)) throw new MarketError('INVALID_INPUT', 'Give exactly one of bolt11 or lightning_address.');
      if (args.lightning_address !== undefined) {
        if (args.amount_sats === undefined) throw new MarketError('INVALID_INPUT', 'Paying a lightning address needs amount_sats.');
        lnurlpUrl(args.lightning_address, fetchPolicy(ctx.config));
      }
      const amountMsats = args.bolt11 !== undefined ? invoiceAmountMsats(args.bolt11) : satsToMsats(args.amount_sats!);
      if (args.max_fee_sats !== undefined || amountMsats === null) return args;
      return { ...args, max_fee_sats: msatsToSats(defaultMaxFeeMsats(amountMsats)) };
    },
    // The gate judges what is held: the amount and the fee reserve.
    action: (args, { ctx }) => {
      const amountMsats =
        args.bolt11 !== undefined
          ? checkInvoice(args.bolt11, {
              network: ctx.config.network,
              now: ctx.clock.now(),
              amountMsats: args.amount_sats === undefined ? undefined : satsToMsats(args.amount_sats),
            }).amountMsats
          : satsToMsats(args.amount_sats!);
      return { actionType: 'Withdraw', amountMsats: amountMsats + feeReserveMsats(amountMsats, args.max_fee_sats), counterparties: [] };
    },
    handler: async (args, { ctx, caller }) =>
      args.lightning_address !== undefined
        ? await reserveAddressWithdrawal(ctx.db, ctx.clock, ctx.rail.name, {
            agentId: caller.id,
            lightningAddress: args.lightning_address,
            amountSats: args.amount_sats!,
            maxFeeSats: args.max_fee_sats,
          })
        : await reserveWithdrawal(
            ctx.db,
            ctx.clock,
            { name: ctx.rail.name, network: ctx.config.network },
            {
              agentId: caller.id,
              bolt11: args.bolt11!,
              amountSats: args.amount_sats,
              maxFeeSats: args.max_fee_sats,
            },
          ),
    // Also on a retry: asks the address if that is still to do, pays if that is, else reports.
    after: async (result, { ctx }) => {
      const id = String(result.withdrawal_id);
      await resolveAddressWithdrawal(ctx.db, ctx.clock, { network: ctx.config.network, fetch: fetchPolicy(ctx.config) }, id);
      return sendWithdrawal(ctx.db, ctx.clock, ctx.rail, id);
    },
  }),
  defineTool({
    name: 'marketplace_list_withdrawals',
    title: 'List withdrawals',
    description: 'Your withdrawals, newest first, with status, fee and preimage (the proof of payment). Free.',
    toolset: 'wallet',
    roles: ['agent'],
    input: z.object({ cursor: cursorField, limit: limitField }),
    output: pageOf(withdrawal),
    annotations: READ_ONLY,
    handler: (args, { ctx, caller }) => listWithdrawalsPage(ctx.db, caller.id, { cursor: args.cursor, limit: args.limit }),
  }),
];
