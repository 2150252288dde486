// One setting's value, checked: first against its schema (type, range, pattern), then refined
// (a duration or size parsed, a URL normalised). Problems name the value's origin by its label.
import { accessSync, constants, statSync } from 'node:fs'
import { Value } from '@sinclair/typebox/value'
import { parseTokenList } from '../admin/tokens.js'
import { parseSmoke } from '../smoke/config.js'
import type { Leaf } from './keys.js'
import { NOTIFY_EVENTS, type NotifyEvent, type WebhookConfig } from './schema.js'
import { show } from './problems.js'
import { parseDuration, parseSize, type Parsed } from './units.js'
import { parseHttpUrl } from './url.js'

function isOff (value: unknown): boolean {
  return value === null || (typeof value === 'string' && value.trim().toLowerCase() === 'off')
}

function parseOffNumber (leaf: Leaf, value: unknown, label: string): Parsed<unknown> {
  if (isOff(value)) return { ok: true, value: null }
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN
  const valid = leaf.refine === 'offCount' ? Number.isSafeInteger(n) && n >= 1 : Number.isFinite(n) && n >= 0
  // The factor must be above 1: a p99 "1x the old one" would trip on noise alone.
  const factorOk = leaf.key !== 'rollback.latencyFactor' || n > 1
  const ratioOk = !['rollback.max4xxIncrease', 'shadow.gate.minAgreement', 'shadow.gate.maxStandbyErrorRate'].includes(leaf.key) || n <= 1
  if (valid && factorOk && ratioOk) return { ok: true, value: n }
  return { ok: false, problem: `${label}: ${leaf.expected} (got ${show(value)})` }
}

function parseWebhooks (value: unknown, label: string): Parsed<unknown> {
  let list: unknown = value
  if (typeof value === 'string') {
    try {
      list = value.trim() === '' ? [] : JSON.parse(value)
    } catch {
      return { ok: false, problem: `${label}: must be a JSON list of {url, format, events} (got ${show(value)})` }
    }
  }
  if (!Array.isArray(list)) return { ok: false, problem: `${label}: must be a list of {url, format, events}` }
  const out: WebhookConfig[] = []
  for (const [i, item] of list.entries()) {
    const where = `${label}[${i}]`
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return { ok: false, problem: `${where}: must be an object {url, format, events}` }
    const entry = item as Record<string, unknown>
    const unknown = Object.keys(entry).filter(key => !['url', 'format', 'events'].includes(key))
    if (unknown.length > 0) return { ok: false, problem: `${where}.${unknown[0] as string}: unknown key` }
    const url = parseHttpUrl(String(entry.url ?? ''), `${where}.url`)
    if (!url.ok) return url
    const format = entry.format ?? 'json'
    if (format !== 'json' && format !== 'slack') return { ok: false, problem: `${where}.format: must be "json" or "slack" (got ${show(format)})` }
    const events = entry.events ?? []
    if (!Array.isArray(events) || !events.every(e => (NOTIFY_EVENTS as readonly unknown[]).includes(e))) {
      return { ok: false, problem: `${where}.events: must be a list of ${NOTIFY_EVENTS.join(', ')} (got ${show(events)})` }
    }
    out.push({ url: url.value, format, events: events as NotifyEvent[] })
  }
  return { ok: true, value: out }
}

const METHOD = /^([A-Z]+)(?:\s+(\/\S*))?$/

function parseMethodList (value: unknown, label: string): Parsed<unknown> {
  const items = Array.isArray(value) ? value : String(value).split(',').map(item => item.trim()).filter(item => item !== '')
  const out: string[] = []
  for (const item of items) {
    const match = typeof item === 'string' ? METHOD.exec(item.trim()) : null
    if (match === null) return { ok: false, problem: `${label}: each entry must be a method in capitals, optionally with a path ("GET", "POST /invocations") (got ${show(item)})` }
    out.push(match[2] === undefined ? String(match[1]) : `${String(match[1])} ${match[2]}`)
  }
  return { ok: true, value: out }
}

/** A file switchyard reads at start-up (and again on SIGHUP): it must be a readable file. */
function checkReadableFile (value: unknown, label: string): Parsed<unknown> {
  if (value === null) return { ok: true, value: null }
  const file = String(value)
  try {
    if (!statSync(file).isFile()) return { ok: false, problem: `${label}: ${JSON.stringify(file)} is not a file` }
    accessSync(file, constants.R_OK)
  } catch (err) {
    const code = String((err as NodeJS.ErrnoException).code)
    return { ok: false, problem: `${label}: ${JSON.stringify(file)} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}` }
  }
  return { ok: true, value: file }
}

export function checkLeaf (leaf: Leaf, value: unknown, label: string): Parsed<unknown> {
  if (!Value.Check(leaf.schema, value)) return { ok: false, problem: `${label}: ${leaf.expected} (got ${show(value, leaf.secret)})` }
  switch (leaf.refine) {
    case 'duration':
      return parseDuration(value, label)
    case 'positiveDuration': {
      const parsed = parseDuration(value, label)
      if (parsed.ok && parsed.value === 0) return { ok: false, problem: `${label}: must be more than 0 ms (got ${show(value)})` }
      return parsed
    }
    case 'size':
      return parseSize(value, label)
    case 'httpUrl':
      return parseHttpUrl(String(value), label)
    case 'offDuration':
      return isOff(value) ? { ok: true, value: null } : parseDuration(value, label)
    case 'offNumber':
    case 'offCount':
      return parseOffNumber(leaf, value, label)
    case 'methodList':
      return parseMethodList(value, label)
    case 'webhooks':
      return parseWebhooks(value, label)
    case 'smoke':
      return parseSmoke(value, label)
    case 'nullableHttpUrl':
      return value === null ? { ok: true, value: null } : parseHttpUrl(String(value), label)
    case 'adminTokens': {
      const parsed = parseTokenList(value, label)
      return parsed.ok ? { ok: true, value: parsed.tokens } : parsed
    }
    case 'readableFile':
      return checkReadableFile(value, label)
    case undefined:
      return { ok: true, value }
  }
}
