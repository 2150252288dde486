// Latency counts in fixed log-spaced buckets: recording is one index computation, and a p99 is a
// walk over 64 counters, however many requests there were. Bucket edges grow by ~20%, so a p99
// is reported to within that.

export const LATENCY_BUCKETS = 64
const MIN_MS = 0.5
const GROWTH = 1.2
const LOG_GROWTH = Math.log(GROWTH)

/** Upper edge of bucket i in milliseconds. */
export function bucketUpperMs (i: number): number {
  return MIN_MS * GROWTH ** i
}

export function bucketOf (ms: number): number {
  if (ms <= MIN_MS) return 0
  const i = Math.ceil(Math.log(ms / MIN_MS) / LOG_GROWTH)
  return i >= LATENCY_BUCKETS ? LATENCY_BUCKETS - 1 : i
}

/** The q-quantile (0..1) of the counts, as the upper edge of its bucket; null with no samples. */
export function quantileMs (counts: ArrayLike<number>, total: number, q: number): number | null {
  if (total === 0) return null
  const rank = Math.ceil(q * total)
  let seen = 0
  for (let i = 0; i < LATENCY_BUCKETS; i++) {
    seen += counts[i] as number
    if (seen >= rank) return bucketUpperMs(i)
  }
  return bucketUpperMs(LATENCY_BUCKETS - 1)
}
