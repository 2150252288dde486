// A seeded pseudo-random generator (mulberry32): the same seed gives the same schedule of faults,
// so a chaos run that found something can be run again with the same decisions.

export interface Random {
  /** A float in [0, 1). */
  next (): number
  /** An integer in [min, max]. */
  int (min: number, max: number): number
  /** A float in [min, max). */
  between (min: number, max: number): number
  pick<T> (items: readonly T[]): T
  /** One of `weights`' keys, each with a chance proportional to its weight. */
  weighted<K extends string> (weights: Readonly<Record<K, number>>): K
  /** An independent stream for one purpose (traffic, schedule), derived from this seed. */
  fork (salt: number): Random
}

export function createRandom (seed: number): Random {
  let a = seed >>> 0
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const random: Random = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    between: (min, max) => min + next() * (max - min),
    pick: (items) => {
      if (items.length === 0) throw new RangeError('pick from an empty list')
      return items[Math.floor(next() * items.length)] as (typeof items)[number]
    },
    weighted: (weights) => {
      const entries = Object.entries(weights) as Array<[keyof typeof weights & string, number]>
      const total = entries.reduce((sum, [, w]) => sum + w, 0)
      let x = next() * total
      for (const [key, w] of entries) {
        x -= w
        if (x < 0) return key
      }
      return (entries[entries.length - 1] as [keyof typeof weights & string, number])[0]
    },
    fork: (salt) => createRandom((Math.imul(seed >>> 0, 2654435761) ^ Math.imul(salt, 40503)) >>> 0)
  }
  return random
}
