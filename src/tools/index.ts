// The whole tool surface, in one list.
import { contextTools } from './context.js';
import type { ToolDefinition } from './inventory.js';
import { walletTools } from './wallet.js';

export const ALL_TOOLS: readonly ToolDefinition[] = [...contextTools, ...walletTools];
