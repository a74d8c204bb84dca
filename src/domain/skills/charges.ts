// Paying for a skill: the price leaves the user's wallet and is split in one transaction
// between the creator, the compute provider, the platform and the referrer
// (SEED-RULES "Revenue split"). Every part is a SkillUsage transfer referencing the skill.
import { newId } from '../ids.js';
import type { Db } from '../../db/connection.js';
import * as store from '../../db/skills-store.js';
import type { SkillRow } from '../../db/skills-store.js';
import type { Clock } from '../clock.js';
import { agentAccountId, PLATFORM_REVENUE } from '../ledger/accounts.js';
import { postTransfer } from '../ledger/transfers.js';
import { satsToMsats } from '../money.js';
import { authorAccountId } from './authors.js';
import { splitRevenue, type RevenueSplit } from './revenue-split.js';

export interface Charge {
  payerAgentId: string;
  skill: SkillRow;
  costSats: number;
  split: RevenueSplit;
  referrerId: string | null;
  /** The agent whose provider ran the skill, if one did. */
  computeAgentId: string | null;
  kind: 'install' | 'usage';
  usage: { calls: number; inputTokens: number; outputTokens: number };
}

export interface ChargeResult {
  /** What a dispute over this payment names (`subject: { kind: "skill_usage", id }`). */
  usage_id: string;
  cost_sats: number;
  split: { creator_sats: number; compute_sats: number; platform_sats: number; referrer_sats: number };
}

export async function chargeForSkill(db: Db, clock: Clock, c: Charge): Promise<ChargeResult> {
  return db.write(async (tx) => {
    const parts = splitRevenue(c.costSats, c.split, { referrer: c.referrerId !== null, compute: c.computeAgentId !== null });
    const payer = agentAccountId(c.payerAgentId);
    const pay = async (creditAccountId: string, sats: number, to: string) => {
      // A creator using its own skill keeps its share: nothing to move.
      if (sats === 0 || creditAccountId === payer) return;
      await postTransfer(tx, clock, {
        debitAccountId: payer,
        creditAccountId,
        amountMsats: satsToMsats(sats),
        entryType: 'SkillUsage',
        description: `${c.kind === 'install' ? 'Purchase' : 'Use'} of skill ${c.skill.slug}: ${to} share`,
        reference: c.skill.id,
      });
    };
    await pay(authorAccountId(c.skill), parts.creator_sats, 'creator');
    if (c.computeAgentId !== null) await pay(agentAccountId(c.computeAgentId), parts.compute_sats, 'compute');
    await pay(PLATFORM_REVENUE.id, parts.platform_sats, 'platform');
    if (c.referrerId) await pay(agentAccountId(c.referrerId), parts.referrer_sats, 'referrer');
    const usageId = newId('su');
    await store.insertUsage(tx, {
      id: usageId,
      skillId: c.skill.id,
      agentId: c.payerAgentId,
      kind: c.kind,
      calls: c.usage.calls,
      inputTokens: c.usage.inputTokens,
      outputTokens: c.usage.outputTokens,
      costSats: c.costSats,
      creatorSats: parts.creator_sats,
      computeSats: parts.compute_sats,
      platformSats: parts.platform_sats,
      referrerSats: parts.referrer_sats,
      createdAt: clock.now().toISOString(),
    });
    return { usage_id: usageId, cost_sats: c.costSats, split: parts };
  });
}
