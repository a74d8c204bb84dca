// A seeded PRNG (sfc32, seeded through splitmix32) so a seed names one workload and one
// fault schedule. Math.random is never used by the simulation.

function splitmix32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Random {
  constructor(seed) {
    const mix = splitmix32(seed);
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix();
  }

  /** A uniform 32-bit unsigned integer. */
  next() {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** An integer in [min, max]. */
  int(min, max) {
    return min + (this.next() % (max - min + 1));
  }

  /** True with probability p. */
  chance(p) {
    return this.next() / 0x1_0000_0000 < p;
  }

  pick(items) {
    if (items.length === 0) return undefined;
    return items[this.next() % items.length];
  }

  /** One key of { name: weight }, chosen in proportion to its weight. */
  weighted(weights) {
    const entries = Object.entries(weights);
    const total = entries.reduce((sum, [, w]) => sum + w, 0);
    let roll = this.next() % total;
    for (const [name, w] of entries) {
      if (roll < w) return name;
      roll -= w;
    }
    return entries[entries.length - 1][0];
  }
}
