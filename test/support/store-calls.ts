// Every store function, called so as to reach every SQL text it can produce (each shape of
// the dynamic queries), for test/postgres/portable-sql.test.ts: with a recording Db
// (sql-recorder.ts) they yield what each engine would be asked to run.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getTableColumns, type Table } from 'drizzle-orm';
import type { Db, Dialect } from '../../src/db/connection.js';
import * as bountyStore from '../../src/db/bounty-store.js';
import * as callerToolsetsStore from '../../src/db/caller-toolsets-store.js';
import * as coalitionStore from '../../src/db/coalition-store.js';
import * as consoleStore from '../../src/db/console-store.js';
import * as dataStore from '../../src/db/data-store.js';
import * as governanceStore from '../../src/db/governance-store.js';
import * as hiringStore from '../../src/db/hiring-store.js';
import * as idempotencyStore from '../../src/db/idempotency-store.js';
import * as identityStore from '../../src/db/identity-store.js';
import * as leaseStore from '../../src/db/lease-store.js';
import * as inboxStore from '../../src/db/inbox-store.js';
import * as ledgerStore from '../../src/db/ledger-store.js';
import * as paymentsStore from '../../src/db/payments-store.js';
import * as providerStore from '../../src/db/provider-store.js';
import * as rosterStore from '../../src/db/roster-store.js';
import * as schema from '../../src/db/schema.js';
import * as secretKey from '../../src/db/secret-key.js';
import * as skillAnalyticsStore from '../../src/db/skill-analytics-store.js';
import * as skillSearch from '../../src/db/skill-search.js';
import * as skillsStore from '../../src/db/skills-store.js';
import * as storedText from '../../src/db/stored-text.js';
import { recordingDb } from './sql-recorder.js';

type Call = (db: Db) => unknown;

/** A value for every column of the table: the builders then name every column, as a real row makes them. */
function rowOf(table: Table): never {
  const values: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    values[key] = { number: 1, boolean: true, json: [], bigint: 1n }[column.dataType as string] ?? 'x';
  }
  return values as never;
}

export const NOW = '2026-01-01T00:00:00.000Z';
export const keyDir = mkdtempSync(path.join(tmpdir(), 'portable-sql-'));

const skillFilter = { sort: 'relevance', offset: 0, limit: 10 } as const;
const listingFilter = { sort: 'relevance', offset: 0, limit: 10 } as const;

/** Each store's functions, each called so as to reach every SQL text it can produce. */
export const CALLS: Record<string, [module: Record<string, unknown>, calls: Record<string, Call[]>]> = {
  bountyStore: [
    bountyStore,
    {
      insertBounty: [(db) => bountyStore.insertBounty(db, rowOf(schema.bounties))],
      getBounty: [(db) => bountyStore.getBounty(db, 'b')],
      updateBounty: [(db) => bountyStore.updateBounty(db, 'b', ['Active'], { status: 'Done' })],
      listBounties: [
        (db) => bountyStore.listBounties(db, { limit: 5 }),
        (db) => bountyStore.listBounties(db, { status: 'Active', creatorId: 'a', minRewardMsats: 1, beforeId: 'b', limit: 5 }),
      ],
      dueBounties: [(db) => bountyStore.dueBounties(db, NOW, NOW)],
      insertSubmission: [(db) => bountyStore.insertSubmission(db, rowOf(schema.bountySubmissions))],
      getSubmission: [(db) => bountyStore.getSubmission(db, 's')],
      updateSubmission: [(db) => bountyStore.updateSubmission(db, 's', ['Pending'], { status: 'Accepted' })],
      submissionsOf: [(db) => bountyStore.submissionsOf(db, 'b'), (db) => bountyStore.submissionsOf(db, 'b', { status: 'Pending', contributorId: 'a' })],
      knownHashes: [(db) => bountyStore.knownHashes(db, 'b', ['h1', 'h2'])],
      contributorsOfHashes: [(db) => bountyStore.contributorsOfHashes(db, ['h1', 'h2'])],
      insertHashes: [(db) => bountyStore.insertHashes(db, 'b', 's', ['h1', 'h2'])],
    },
  ],
  callerToolsetsStore: [
    callerToolsetsStore,
    {
      readCallerToolsets: [(db) => callerToolsetsStore.readCallerToolsets(db, 'p')],
      writeCallerToolsets: [(db) => callerToolsetsStore.writeCallerToolsets(db, 'p', ['skills'], NOW)],
    },
  ],
  coalitionStore: [
    coalitionStore,
    {
      insertCoalition: [(db) => coalitionStore.insertCoalition(db, rowOf(schema.coalitions))],
      getCoalition: [(db) => coalitionStore.getCoalition(db, 'c')],
      updateCoalition: [(db) => coalitionStore.updateCoalition(db, 'c', 'Forming', { status: 'Active' })],
      members: [(db) => coalitionStore.members(db, 'c')],
      upsertMember: [(db) => coalitionStore.upsertMember(db, rowOf(schema.coalitionMembers))],
      subtasks: [(db) => coalitionStore.subtasks(db, 'c', 1)],
      insertSubtask: [(db) => coalitionStore.insertSubtask(db, rowOf(schema.coalitionSubtasks))],
      updateSubtask: [(db) => coalitionStore.updateSubtask(db, 'c', 1, 'k', { status: 'submitted' })],
      listCoalitions: [
        ...([undefined, 'funder', 'coordinator', 'member', 'invited', 'open'] as const).map(
          (role): Call =>
            (db) =>
              coalitionStore.listCoalitions(db, { agentId: 'a', role, limit: 5 }),
        ),
        (db) => coalitionStore.listCoalitions(db, { agentId: 'a', role: 'open', status: 'Active', beforeId: 'c', limit: 5 }),
        (db) => coalitionStore.listCoalitions(db, { agentId: 'a', status: 'Active', beforeId: 'c', limit: 5 }),
      ],
    },
  ],
  consoleStore: [
    consoleStore,
    {
      insertConsoleSession: [(db) => consoleStore.insertConsoleSession(db, { idHash: 'h', sponsorId: null, tokenHash: 't', csrfToken: 'c', createdAt: NOW, expiresAt: NOW })],
      findLiveConsoleSession: [(db) => consoleStore.findLiveConsoleSession(db, 'h', NOW)],
      deleteConsoleSession: [(db) => consoleStore.deleteConsoleSession(db, 'h')],
      deleteExpiredConsoleSessions: [(db) => consoleStore.deleteExpiredConsoleSessions(db, NOW)],
    },
  ],
  dataStore: [
    dataStore,
    {
      getSecretSetting: [(db) => dataStore.getSecretSetting(db, 'k')],
      insertSecretSetting: [(db) => dataStore.insertSecretSetting(db, 'k', 'v', NOW)],
      insertListing: [(db) => dataStore.insertListing(db, { ...(rowOf(schema.dataListings) as object), status: 'Active' } as never)],
      getListing: [(db) => dataStore.getListing(db, 'l')],
      setListingStatus: [(db) => dataStore.setListingStatus(db, 'l', 'Active', NOW)],
      countPurchase: [(db) => dataStore.countPurchase(db, 'l')],
      searchListings: [
        ...(['relevance', 'price', 'newest', 'popular'] as const).flatMap((sort): Call[] => [
          (db) => dataStore.searchListings(db, { ...listingFilter, sort }),
          (db) => dataStore.searchListings(db, { ...listingFilter, sort, text: 'weather data' }),
        ]),
        (db) => dataStore.searchListings(db, { ...listingFilter, text: 'weather', listingType: 'dataset', format: 'CSV', license: 'MIT', maxPriceMsats: 1000, sellerId: 'a' }),
      ],
      insertPurchase: [(db) => dataStore.insertPurchase(db, rowOf(schema.dataPurchases))],
      getPurchase: [(db) => dataStore.getPurchase(db, 'p')],
      updatePurchase: [(db) => dataStore.updatePurchase(db, 'p', ['Pending'], { status: 'Completed' })],
      liveAccess: [(db) => dataStore.liveAccess(db, 'l', 'a')],
      listPurchases: [
        ...(['buyer', 'seller', 'either'] as const).map(
          (role): Call =>
            (db) =>
              dataStore.listPurchases(db, 'a', role, undefined, undefined, 5),
        ),
        (db) => dataStore.listPurchases(db, 'a', 'either', 'Pending', 'p', 5),
      ],
      duePurchases: [(db) => dataStore.duePurchases(db, NOW)],
    },
  ],
  governanceStore: [
    governanceStore,
    {
      latestPolicy: [(db) => governanceStore.latestPolicy(db, 'a')],
      insertPolicy: [(db) => governanceStore.insertPolicy(db, { agentId: 'a', version: 1, document: '{}', createdBy: 's', createdAt: NOW })],
      insertApproval: [
        (db) =>
          governanceStore.insertApproval(db, {
            id: 'ap',
            agentId: 'a',
            sponsorId: 's',
            tool: 't',
            args: {},
            idempotencyKey: null,
            actionType: 'spend',
            amountMsats: 1,
            counterparty: null,
            reason: 'r',
            rule: 'r',
            policyVersion: 1,
            createdAt: NOW,
            expiresAt: NOW,
          }),
      ],
      getApproval: [(db) => governanceStore.getApproval(db, 'ap')],
      markApprovalSeen: [(db) => governanceStore.markApprovalSeen(db, 'ap', NOW)],
      finishApproval: [(db) => governanceStore.finishApproval(db, { id: 'ap', status: 'denied', at: NOW, by: null, reason: null, result: null })],
      dueApprovals: [(db) => governanceStore.dueApprovals(db, NOW, 5)],
      listApprovals: [
        (db) => governanceStore.listApprovals(db, { limit: 5 }),
        (db) => governanceStore.listApprovals(db, { sponsorId: 's', agentId: 'a', status: 'pending', beforeId: 'ap', limit: 5 }),
      ],
      insertAudit: [
        (db) =>
          governanceStore.insertAudit(db, {
            id: 'au',
            sponsorId: 's',
            agentId: null,
            callerRole: 'agent',
            callerId: 'a',
            tool: 't',
            actionType: 'read',
            amountMsats: 0,
            counterparty: null,
            outcome: 'allowed',
            rule: 'r',
            policyVersion: null,
            approvalId: null,
            message: null,
            createdAt: NOW,
          }),
      ],
      listAudit: [
        (db) => governanceStore.listAudit(db, { sponsorId: 's', limit: 5 }),
        (db) => governanceStore.listAudit(db, { sponsorId: 's', agentId: 'a', tool: 't', outcome: 'allowed', beforeSeq: 9, limit: 5 }),
      ],
      hasDealtWith: [(db) => governanceStore.hasDealtWith(db, 'a', 'b')],
      countDenialsSince: [(db) => governanceStore.countDenialsSince(db, 'a', NOW)],
      lockAgentTurn: [(db) => governanceStore.lockAgentTurn(db, 'a')],
      hasBudgetAlert: [(db) => governanceStore.hasBudgetAlert(db, 'a', 'daily', NOW)],
      recordBudgetAlert: [(db) => governanceStore.recordBudgetAlert(db, 'a', 'daily', NOW, NOW)],
      insertDelivery: [(db) => governanceStore.insertDelivery(db, { id: 'd', sponsorId: 's', event: 'e', payload: '{}' as never, createdAt: NOW })],
      claimDeliveries: [(db) => governanceStore.claimDeliveries(db, NOW, NOW, 5)],
      finishDelivery: [(db) => governanceStore.finishDelivery(db, { id: 'd', status: 'delivered', nextAttemptAt: NOW, lastError: null, deliveredAt: NOW })],
      getDelivery: [(db) => governanceStore.getDelivery(db, 'd')],
    },
  ],
  hiringStore: [
    hiringStore,
    {
      getProfile: [(db) => hiringStore.getProfile(db, 'a')],
      upsertProfile: [(db) => hiringStore.upsertProfile(db, rowOf(schema.agentProfiles))],
      directory: [(db) => hiringStore.directory(db)],
      insertContract: [(db) => hiringStore.insertContract(db, rowOf(schema.contracts))],
      getContract: [(db) => hiringStore.getContract(db, 'c')],
      updateContract: [(db) => hiringStore.updateContract(db, 'c', ['Proposed'], { status: 'InProgress' })],
      listContracts: [(db) => hiringStore.listContracts(db, 'a', undefined, undefined, 5), (db) => hiringStore.listContracts(db, 'a', 'Proposed', 'c', 5)],
      dueContracts: [(db) => hiringStore.dueContracts(db, NOW, NOW)],
      workerRecord: [(db) => hiringStore.workerRecord(db, 'a')],
      insertDispute: [(db) => hiringStore.insertDispute(db, rowOf(schema.disputes))],
      getDispute: [(db) => hiringStore.getDispute(db, 'd')],
      disputeOf: [(db) => hiringStore.disputeOf(db, 'contract', 'c')],
      updateDispute: [(db) => hiringStore.updateDispute(db, 'd', ['Open'], { status: 'Resolved' })],
      debtsOwedBy: [(db) => hiringStore.debtsOwedBy(db, 'a')],
      debtors: [(db) => hiringStore.debtors(db)],
      reduceDebt: [(db) => hiringStore.reduceDebt(db, 'd', 5, 1, NOW)],
      listDisputes: [(db) => hiringStore.listDisputes(db, null, undefined), (db) => hiringStore.listDisputes(db, 'a', 'Open')],
    },
  ],
  idempotencyStore: [
    idempotencyStore,
    {
      findIdempotencyRecord: [(db) => idempotencyStore.findIdempotencyRecord(db, 'c', 't', 'k')],
      saveIdempotencyRecord: [(db) => idempotencyStore.saveIdempotencyRecord(db, { callerId: 'c', tool: 't', key: 'k', argsHash: 'h', result: {}, createdAt: NOW })],
      updateIdempotencyResult: [(db) => idempotencyStore.updateIdempotencyResult(db, 'c', 't', 'k', {})],
    },
  ],
  leaseStore: [
    leaseStore,
    {
      takeLease: [(db) => leaseStore.takeLease(db, 'sweep', 'me', NOW, NOW)],
      readLease: [(db) => leaseStore.readLease(db, 'sweep')],
      releaseLeases: [(db) => leaseStore.releaseLeases(db, 'me')],
    },
  ],
  identityStore: [
    identityStore,
    {
      insertSponsor: [(db) => identityStore.insertSponsor(db, { ...(rowOf(schema.sponsors) as object), nostrSecretKey: 'k' } as never)],
      insertAgent: [(db) => identityStore.insertAgent(db, { ...(rowOf(schema.agents) as object), nostrSecretKey: 'k' } as never)],
      // These only open a sealed value: no SQL.
      agentSecretKey: [],
      sponsorSecretKey: [],
      sponsorWebhookSecret: [],
      getSponsor: [(db) => identityStore.getSponsor(db, 's')],
      getAgent: [(db) => identityStore.getAgent(db, 'a')],
      listSponsorAgents: [(db) => identityStore.listSponsorAgents(db, 's')],
      insertToken: [(db) => identityStore.insertToken(db, { id: 't', principalKind: 'agent', principalId: 'a', tokenHash: 'h', createdAt: NOW })],
      revokeTokens: [(db) => identityStore.revokeTokens(db, 'agent', 'a', NOW)],
      dataVersion: [(db) => identityStore.dataVersion(db)],
      findActiveToken: [(db) => identityStore.findActiveToken(db, 'h')],
      updateAgentStatus: [(db) => identityStore.updateAgentStatus(db, 'a', 'Active', NOW, 'r')],
      updateSponsorWebhook: [(db) => identityStore.updateSponsorWebhook(db, 's', 'https://example.com', 'secret')],
      setAgentReputation: [(db) => identityStore.setAgentReputation(db, 'a', 1)],
      updateSponsorDefaultPolicy: [(db) => identityStore.updateSponsorDefaultPolicy(db, 's', '{}')],
    },
  ],
  inboxStore: [
    inboxStore,
    {
      inboxRows: (['agent', 'sponsor'] as const).flatMap((role): Call[] => [
        (db) => inboxStore.inboxRows(db, { role, id: 'a' }, NOW, null, 5),
        (db) => inboxStore.inboxRows(db, { role, id: 'a' }, NOW, { at: NOW, kind: 'k', id: 'i' }, 5),
      ]),
    },
  ],
  ledgerStore: [
    ledgerStore,
    {
      insertAccount: [(db) => ledgerStore.insertAccount(db, { id: 'a', kind: 'agent', ownerId: null, allowNegative: false }, NOW)],
      getAccount: [(db) => ledgerStore.getAccount(db, 'a')],
      applyDelta: [(db) => ledgerStore.applyDelta(db, 'a', { debitsPosted: 1 })],
      lastTransfer: [(db) => ledgerStore.lastTransfer(db)],
      insertTransfer: [
        (db) =>
          ledgerStore.insertTransfer(db, {
            seq: 1,
            id: 't',
            debitAccountId: 'a',
            creditAccountId: 'b',
            amountMsats: 1,
            entryType: 'TopUp',
            phase: 'posted',
            pendingId: null,
            reference: null,
            description: '',
            memo: null,
            createdAt: NOW,
            prevHash: '00',
            hash: 'h',
          }),
      ],
      getTransfer: [(db) => ledgerStore.getTransfer(db, 't')],
      insertHold: [
        (db) =>
          ledgerStore.insertHold(db, { id: 'h', debitAccountId: 'a', creditAccountId: 'b', amountMsats: 1, entryType: 'Hold', reference: null, expiresAt: null, createdAt: NOW }),
      ],
      getHold: [(db) => ledgerStore.getHold(db, 'h')],
      resolveHold: [(db) => ledgerStore.resolveHold(db, 'h', 'posted', 1, NOW)],
      dueHolds: [(db) => ledgerStore.dueHolds(db, NOW, 5)],
      dueHoldsForAccount: [(db) => ledgerStore.dueHoldsForAccount(db, 'a', NOW)],
      pendingHoldsSince: [(db) => ledgerStore.pendingHoldsSince(db, 'a', NOW)],
      hasPaid: [(db) => ledgerStore.hasPaid(db, 'a', 'b')],
      lastTouchedAt: [(db) => ledgerStore.lastTouchedAt(db, 'a')],
      addDailyDebit: [(db) => ledgerStore.addDailyDebit(db, 'a', '2026-01-01', 'TopUp', 1)],
      dailyDebitsSince: [(db) => ledgerStore.dailyDebitsSince(db, 'a', '2026-01-01')],
      dailyDebitsByDay: [(db) => ledgerStore.dailyDebitsByDay(db, 'a', '2026-01-01')],
      pendingHoldsByDay: [(db) => ledgerStore.pendingHoldsByDay(db, 'a', '2026-01-01')],
      allDailyDebits: [(db) => ledgerStore.allDailyDebits(db)],
      listAccountTransfers: [(db) => ledgerStore.listAccountTransfers(db, 'a', { limit: 5 }), (db) => ledgerStore.listAccountTransfers(db, 'a', { entryType: 'TopUp', limit: 5 })],
      iterateTransfers: [(db) => ledgerStore.iterateTransfers(db).next()],
      allAccounts: [(db) => ledgerStore.allAccounts(db)],
      allHolds: [(db) => ledgerStore.allHolds(db)],
      countTransfers: [(db) => ledgerStore.countTransfers(db)],
    },
  ],
  paymentsStore: [
    paymentsStore,
    {
      insertInvoice: [(db) => paymentsStore.insertInvoice(db, rowOf(schema.lightningInvoices))],
      invoiceById: [(db) => paymentsStore.invoiceById(db, 'i')],
      fillInvoice: [(db) => paymentsStore.fillInvoice(db, 'i', { bolt11: 'b', paymentHash: 'h', expiresAt: NOW })],
      invoiceByHash: [(db) => paymentsStore.invoiceByHash(db, 'h')],
      updateInvoice: [(db) => paymentsStore.updateInvoice(db, 'h', 'pending', { status: 'paid' })],
      pendingInvoices: [(db) => paymentsStore.pendingInvoices(db, 5)],
      allInvoices: [(db) => paymentsStore.allInvoices(db)],
      insertWithdrawal: [(db) => paymentsStore.insertWithdrawal(db, rowOf(schema.withdrawals))],
      getWithdrawal: [(db) => paymentsStore.getWithdrawal(db, 'w')],
      updateWithdrawal: [(db) => paymentsStore.updateWithdrawal(db, 'w', ['pending'], { status: 'paid' })],
      liveWithdrawalFor: [(db) => paymentsStore.liveWithdrawalFor(db, 'h')],
      retriedWithdrawalHashes: [(db) => paymentsStore.retriedWithdrawalHashes(db, ['h1', 'h2'])],
      withdrawalsIn: [(db) => paymentsStore.withdrawalsIn(db, ['pending'])],
      allWithdrawals: [(db) => paymentsStore.allWithdrawals(db)],
      listWithdrawals: [(db) => paymentsStore.listWithdrawals(db, 'a', undefined, 5), (db) => paymentsStore.listWithdrawals(db, 'a', 'w', 5)],
      insertSandboxInvoice: [(db) => paymentsStore.insertSandboxInvoice(db, rowOf(schema.sandboxInvoices))],
      sandboxInvoice: [(db) => paymentsStore.sandboxInvoice(db, 'h')],
      paySandboxInvoice: [(db) => paymentsStore.paySandboxInvoice(db, 'h', NOW)],
      allSandboxInvoices: [(db) => paymentsStore.allSandboxInvoices(db)],
    },
  ],
  providerStore: [
    providerStore,
    {
      insertProvider: [(db) => providerStore.insertProvider(db, rowOf(schema.computeProviders))],
      getProvider: [(db) => providerStore.getProvider(db, 'p')],
      providerByNpub: [(db) => providerStore.providerByNpub(db, 'npub')],
      setApproved: [(db) => providerStore.setApproved(db, 'p', true, NOW)],
      listProviders: [
        (db) => providerStore.listProviders(db, { includeUnapproved: true }),
        (db) => providerStore.listProviders(db, { kind: 5000, region: 'eu', includeUnapproved: false }),
      ],
      ratingsOf: [(db) => providerStore.ratingsOf(db, 'p')],
      upsertRating: [(db) => providerStore.upsertRating(db, rowOf(schema.providerRatings))],
      updateProvider: [(db) => providerStore.updateProvider(db, 'p', { name: 'n' })],
      insertJob: [(db) => providerStore.insertJob(db, rowOf(schema.computeJobs))],
      getJob: [(db) => providerStore.getJob(db, 'j')],
      updateJob: [(db) => providerStore.updateJob(db, 'j', ['queued'], { status: 'running' })],
      recordOutcome: [
        (db) => providerStore.recordOutcome(db, 'p', { ok: true, responseMs: 10, at: NOW }),
        (db) => providerStore.recordOutcome(db, 'p', { ok: false, responseMs: 10, at: NOW }),
      ],
      recordUptimeCheck: [(db) => providerStore.recordUptimeCheck(db, 'p', true, NOW)],
      jobsToday: [(db) => providerStore.jobsToday(db, 'p', NOW)],
      insertComputePayment: [(db) => providerStore.insertComputePayment(db, rowOf(schema.computePayments))],
      getComputePayment: [(db) => providerStore.getComputePayment(db, 'c')],
      computePaymentByHash: [(db) => providerStore.computePaymentByHash(db, 'h')],
      computePaymentsOf: [(db) => providerStore.computePaymentsOf(db, 'j')],
      computePaymentsIn: [(db) => providerStore.computePaymentsIn(db, 'pending')],
      allComputePayments: [(db) => providerStore.allComputePayments(db)],
      updateComputePayment: [(db) => providerStore.updateComputePayment(db, 'c', 'pending', { status: 'paid' })],
      unfinishedJobs: [(db) => providerStore.unfinishedJobs(db)],
    },
  ],
  rosterStore: [rosterStore, { listSponsors: [(db) => rosterStore.listSponsors(db)], listAgents: [(db) => rosterStore.listAgents(db)] }],
  secretKey: [
    secretKey,
    {
      // No SQL in these: names and paths.
      sealContext: [],
      settingContext: [],
      defaultSecretKeyFile: [],
      unlockSecrets: [(db) => secretKey.unlockSecrets(db, path.join(keyDir, `${db.dialect}.key`), () => NOW)],
    },
  ],
  skillAnalyticsStore: [
    skillAnalyticsStore,
    {
      creatorTotals: [(db) => skillAnalyticsStore.creatorTotals(db, 'a')],
      creatorEarnings: (['day', 'week', 'month'] as const).map(
        (bucket): Call =>
          (db) =>
            skillAnalyticsStore.creatorEarnings(db, 'a', bucket),
      ),
      topSkills: [(db) => skillAnalyticsStore.topSkills(db, 'a', 5)],
      usageByAgent: [(db) => skillAnalyticsStore.usageByAgent(db, 'a', 5)],
    },
  ],
  skillSearch: [skillSearch, { searchSkillsOffThread: [(db) => skillSearch.searchSkillsOffThread(db, skillFilter)] }],
  skillsStore: [
    skillsStore,
    {
      skillBySlug: [(db) => skillsStore.skillBySlug(db, 's')],
      skillById: [(db) => skillsStore.skillById(db, 's')],
      insertSkill: [
        (db) =>
          skillsStore.insertSkill(db, {
            id: 's',
            slug: 's',
            name: 'n',
            description: 'd',
            tags: [],
            authorId: 'a',
            authorKind: 'agent',
            iconUrl: null,
            requiredMcpServers: [],
            pricing: {} as never,
            referencePriceSats: 0,
            revenueSplit: {} as never,
            createdAt: NOW,
          }),
      ],
      updateListing: [
        (db) =>
          skillsStore.updateListing(db, {
            id: 's',
            name: 'n',
            description: 'd',
            tags: [],
            iconUrl: null,
            requiredMcpServers: [],
            pricing: {} as never,
            referencePriceSats: 0,
            revenueSplit: {} as never,
            latestVersion: null,
            updatedAt: NOW,
          }),
      ],
      skillVersion: [(db) => skillsStore.skillVersion(db, 's', '1.0.0')],
      skillVersions: [(db) => skillsStore.skillVersions(db, 's')],
      upsertDraftVersion: [
        (db) =>
          skillsStore.upsertDraftVersion(db, {
            skillId: 's',
            version: '1.0.0',
            listing: {} as never,
            readme: '',
            changelog: null,
            pricing: {} as never,
            revenueSplit: {} as never,
            files: '[]' as never,
            contentSha256: 'h',
            signature: {} as never,
            scanFindings: {} as never,
            createdAt: NOW,
          }),
      ],
      setVersionStatus: [(db) => skillsStore.setVersionStatus(db, { skillId: 's', version: '1.0.0', status: 'Published', reason: null, publishedAt: NOW })],
      indexSkill: [
        (db) => skillsStore.indexSkill(db, { rowid: 1, name: 'n', description: 'd', tags: ['t'], readme: 'r' }),
        (db) => skillsStore.indexSkill(db, { rowid: 1, remove: true }),
      ],
      findInstall: [(db) => skillsStore.findInstall(db, 'a', 's')],
      upsertInstall: [(db) => skillsStore.upsertInstall(db, { agentId: 'a', skillId: 's', version: '1.0.0', versionRange: null, referrerId: null, installedAt: NOW })],
      markUninstalled: [(db) => skillsStore.markUninstalled(db, 'a', 's', NOW)],
      addInstalls: [(db) => skillsStore.addInstalls(db, 's', 1)],
      findReviewRating: [(db) => skillsStore.findReviewRating(db, 's', 'a')],
      upsertReview: [(db) => skillsStore.upsertReview(db, { skillId: 's', agentId: 'a', rating: 5, text: null, at: NOW })],
      addRating: [(db) => skillsStore.addRating(db, 's', 5, 1)],
      insertUsage: [
        (db) =>
          skillsStore.insertUsage(db, {
            id: 'u',
            skillId: 's',
            agentId: 'a',
            kind: 'usage',
            calls: 1,
            inputTokens: 0,
            outputTokens: 0,
            costSats: 1,
            creatorSats: 1,
            computeSats: 0,
            platformSats: 0,
            referrerSats: 0,
            createdAt: NOW,
          }),
      ],
      usageById: [(db) => skillsStore.usageById(db, 'u')],
      listInstalled: [(db) => skillsStore.listInstalled(db, 'a')],
      searchSkills: [
        ...(['relevance', 'rating', 'installs', 'price', 'newest'] as const).flatMap((sort): Call[] => [
          (db) => skillsStore.searchSkills(db, { ...skillFilter, sort }),
          (db) => skillsStore.searchSkills(db, { ...skillFilter, sort, text: 'weather forecast' }),
        ]),
        (db) =>
          skillsStore.searchSkills(db, {
            ...skillFilter,
            text: 'weather',
            pricingModel: 'per_call',
            maxPriceSats: 10,
            tags: ['a', 'b'],
            minRating: 4.5,
            authorId: 'a',
            status: 'Published',
          }),
      ],
    },
  ],
  storedText: [storedText, { storedText: [(db) => storedText.storedText(db, 'lone \ud800 surrogate')] }],
};

/** What the stores ask of one engine. */
export async function textsFor(dialect: Dialect): Promise<string[]> {
  const db = recordingDb(dialect);
  for (const [, calls] of Object.values(CALLS)) {
    for (const call of Object.values(calls).flat()) {
      try {
        await call(db);
      } catch {
        // A function that goes on to read what it got (nothing, here) may fail after asking: what it asked is recorded.
      }
    }
  }
  return [...db.texts];
}
