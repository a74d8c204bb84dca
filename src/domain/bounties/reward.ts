// Pro-rata bounty rewards. What has been earned after n accepted samples is computed from
// the total each time (never by adding per-sample rates), so rounding never drifts and
// the last sample that fulfils the bounty pays exactly what remains.

/** Millisats earned in all once `accepted` samples are accepted, capped at the reward. */
export function earnedMsats(rewardMsats: number, minSamples: number, accepted: number): number {
  const counted = Math.min(accepted, minSamples);
  return Number((BigInt(rewardMsats) * BigInt(counted)) / BigInt(minSamples));
}

/** What accepting `more` samples pays now, given what is already paid. */
export function paymentFor(rewardMsats: number, minSamples: number, acceptedBefore: number, more: number): number {
  return earnedMsats(rewardMsats, minSamples, acceptedBefore + more) - earnedMsats(rewardMsats, minSamples, acceptedBefore);
}
