/** How message keys are drawn. */
export type KeyDistribution = 'uniform' | 'zipf'

/** A small, fast, seedable PRNG (mulberry32), so that a workload is reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0

  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Returns a function that draws key indexes in [0, keys). Zipf gives key i a weight of
 * 1 / (i + 1)^exponent, so a few keys are hot, as in real traffic.
 */
export function keySampler(
  keys: number,
  distribution: KeyDistribution,
  options: { exponent?: number; seed?: number } = {},
): () => number {
  const random = seededRandom(options.seed ?? 1)
  if (distribution === 'uniform') return () => Math.floor(random() * keys)

  const exponent = options.exponent ?? 1.1
  const cumulative = new Float64Array(keys)
  let total = 0
  for (let i = 0; i < keys; i++) {
    total += 1 / Math.pow(i + 1, exponent)
    cumulative[i] = total
  }

  return () => {
    const target = random() * total
    let low = 0
    let high = keys - 1
    while (low < high) {
      const middle = (low + high) >>> 1
      if ((cumulative[middle] as number) < target) low = middle + 1
      else high = middle
    }

    return low
  }
}
