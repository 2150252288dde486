// The promotion gate: does the shadow's evidence allow a switch to the standby? Pure.
import type { GateBody } from './validate.js'

export interface ShadowEvidence {
  compared: number
  mirrored: number
  agreement: number | null
  standbyErrorRate: number | null
}

/** Every way the evidence falls short of the gate; empty when it passes (or the gate is off). */
export function gateProblems (evidence: ShadowEvidence, gate: GateBody): string[] {
  const problems: string[] = []
  if (gate.minShadowRequests !== undefined && evidence.compared < gate.minShadowRequests) {
    problems.push(`${evidence.compared} compared shadow requests < ${gate.minShadowRequests}`)
  }
  if (gate.minAgreement !== undefined && (evidence.agreement === null || evidence.agreement < gate.minAgreement)) {
    problems.push(`agreement ${evidence.agreement === null ? 'unknown' : evidence.agreement.toFixed(4)} < ${gate.minAgreement}`)
  }
  if (gate.maxStandbyErrorRate !== undefined && (evidence.standbyErrorRate === null || evidence.standbyErrorRate > gate.maxStandbyErrorRate)) {
    problems.push(`standby error rate ${evidence.standbyErrorRate === null ? 'unknown' : evidence.standbyErrorRate.toFixed(4)} > ${gate.maxStandbyErrorRate}`)
  }
  return problems
}

/** The request's gate over the configured one, key by key; null values in config mean off. */
export function effectiveGate (configured: { minShadowRequests: number | null, minAgreement: number | null, maxStandbyErrorRate: number | null }, requested: GateBody | undefined): GateBody {
  const gate: GateBody = {}
  const min = requested?.minShadowRequests ?? configured.minShadowRequests
  const agreement = requested?.minAgreement ?? configured.minAgreement
  const errors = requested?.maxStandbyErrorRate ?? configured.maxStandbyErrorRate
  if (min !== null) gate.minShadowRequests = min
  if (agreement !== null) gate.minAgreement = agreement
  if (errors !== null) gate.maxStandbyErrorRate = errors
  return gate
}
