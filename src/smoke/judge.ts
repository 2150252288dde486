// Is a smoke answer what the smoke request expects? Pure: status and body in, a problem out.
import { isDeepStrictEqual } from 'node:util'
import type { SmokeExpect } from './config.js'

export type Found = { found: true, value: unknown } | { found: false }

/**
 * The predictions in an answer, as the model servers put them:
 *   {"predictions": [...]}                  MLflow 2+ scoring server, KServe V1
 *   {"outputs": [{"name", "data": [...]}]}  Open Inference Protocol v2 (the first output's data)
 *   [...]                                   MLflow 1.x, TorchServe handlers
 */
export function predictionsOf (answer: unknown): Found {
  if (Array.isArray(answer)) return { found: true, value: answer }
  if (typeof answer !== 'object' || answer === null) return { found: false }
  const object = answer as Record<string, unknown>
  if ('predictions' in object) return { found: true, value: object.predictions }
  if (Array.isArray(object.outputs) && object.outputs.length > 0) {
    const first = object.outputs[0] as Record<string, unknown> | null
    if (typeof first === 'object' && first !== null && 'data' in first) return { found: true, value: first.data }
  }
  return { found: false }
}

/** Text (an answer's body) as one short line for a problem message. */
export function excerpt (text: string, max = 120): string {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > max ? `${line.slice(0, max)}...` : line
}

/** A JSON value as one short line. */
function json (value: unknown): string {
  return excerpt(JSON.stringify(value) ?? String(value))
}

/** What is wrong with the answer, or null when it is what `expect` says. */
export function judgeAnswer (expect: SmokeExpect, status: number, body: string): string | null {
  if (status !== expect.status) {
    const said = body.trim() === '' ? '' : `: ${excerpt(body)}`
    return `expected status ${expect.status}, got ${status}${said}`
  }
  if (expect.predictions === undefined && expect.predictionsLength === undefined) return null
  let answer: unknown
  try {
    answer = JSON.parse(body)
  } catch {
    return `expected a JSON answer with predictions, got ${body.trim() === '' ? 'an empty body' : excerpt(body)}`
  }
  const predictions = predictionsOf(answer)
  if (!predictions.found) return `the answer has no predictions (looked for "predictions", "outputs[0].data" or a list): ${json(answer)}`
  if (expect.predictionsLength !== undefined) {
    if (!Array.isArray(predictions.value)) return `expected ${expect.predictionsLength} predictions, got ${json(predictions.value)}`
    if (predictions.value.length !== expect.predictionsLength) return `expected ${expect.predictionsLength} predictions, got ${predictions.value.length}`
  }
  if (expect.predictions !== undefined && !isDeepStrictEqual(predictions.value, expect.predictions)) {
    return `expected predictions ${json(expect.predictions)}, got ${json(predictions.value)}`
  }
  return null
}
