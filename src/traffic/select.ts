// Which colour a request goes to: a pure function of the routing state and the request, decided
// once when the request arrives.
import { otherColour, type Colour } from '../colour.js'

export interface Routing {
  active: Colour
  /** Share of live traffic (0-100) sent to the standby colour. */
  canaryWeight: number
}

/** FNV-1a: a fast, stable 32-bit hash, so a sticky key lands in the same bucket on every replica. */
export function stickyBucket (key: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return ((hash >>> 0) % 10000) / 100
}

/**
 * The colour for one live request. With a sticky key the same key always gets the same colour
 * at a given weight (and a key on the standby stays there as the weight grows); without one,
 * `random` (0 <= random < 1) decides.
 */
export function selectColour (routing: Routing, stickyKey: string | undefined, random: number): Colour {
  const weight = routing.canaryWeight
  if (weight <= 0) return routing.active
  const point = stickyKey === undefined ? random * 100 : stickyBucket(stickyKey)
  return point < weight ? otherColour(routing.active) : routing.active
}
