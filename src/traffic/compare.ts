// Do two model answers agree? Pure: the shadow feeds it both bodies.

export type Verdict = 'agreed' | 'disagreed'

function numbersClose (a: number, b: number, tolerance: number): boolean {
  if (a === b) return true
  return Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b))
}

/** Element by element: numbers within a relative tolerance, everything else (class labels) exactly. */
export function valuesAgree (a: unknown, b: unknown, tolerance: number): boolean {
  if (typeof a === 'number' && typeof b === 'number') return numbersClose(a, b, tolerance)
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!valuesAgree(a[i], b[i], tolerance)) return false
    return true
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a)
    if (ka.length !== Object.keys(b).length) return false
    return ka.every((k) => Object.hasOwn(b, k) && valuesAgree((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], tolerance))
  }
  return a === b
}

/**
 * The part of an answer that carries predictions: MLflow 2's `predictions`, every one of the
 * OIP's `outputs` data, or the whole answer when it is a bare list (MLflow 1.x, TorchServe).
 */
export function predictionsOf (body: unknown): unknown {
  if (Array.isArray(body)) return body
  if (typeof body !== 'object' || body === null) return undefined
  const record = body as Record<string, unknown>
  if ('predictions' in record) return record.predictions
  if (Array.isArray(record.outputs)) {
    return record.outputs.map((o) => (typeof o === 'object' && o !== null ? (o as Record<string, unknown>).data : o))
  }
  return undefined
}

function parse (bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'))
  } catch {
    return undefined
  }
}

/** Compares two answers: JSON predictions with the tolerance, any other body byte for byte. */
export function compareAnswers (active: Buffer, standby: Buffer, tolerance: number): Verdict {
  const a = predictionsOf(parse(active))
  const b = predictionsOf(parse(standby))
  if (a !== undefined && b !== undefined) return valuesAgree(a, b, tolerance) ? 'agreed' : 'disagreed'
  return active.equals(standby) ? 'agreed' : 'disagreed'
}
