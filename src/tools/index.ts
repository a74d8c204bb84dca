// The whole tool surface, in one list.
import { agentTools } from './agents.js';
import { approvalTools } from './approvals.js';
import { bountyTools } from './bounties.js';
import { coalitionTools } from './coalitions.js';
import { disputeTools } from './disputes.js';
import { computeTools } from './compute.js';
import { contextTools } from './context.js';
import { dataTools } from './data.js';
import { inboxTools } from './inbox.js';
import { governanceTools } from './governance.js';
import { lightningTools } from './lightning.js';
import type { ToolDefinition } from './inventory.js';
import { skillTools } from './skills.js';
import { trajectoryTools } from './trajectories.js';
import { walletTools } from './wallet.js';

export const ALL_TOOLS: readonly ToolDefinition[] = [
  ...contextTools,
  ...inboxTools,
  ...walletTools,
  ...lightningTools,
  ...approvalTools,
  ...governanceTools,
  ...skillTools,
  ...agentTools,
  ...coalitionTools,
  ...dataTools,
  ...bountyTools,
  ...trajectoryTools,
  ...computeTools,
  ...disputeTools,
];
