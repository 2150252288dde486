// The YAML layer: read the file, parse it, and flatten it into entries by walking it beside the
// schema, so an unknown key or a misplaced value is named by its full dotted key.
import { readFileSync } from 'node:fs'
import { parseDocument } from 'yaml'
import type { TObject } from '@sinclair/typebox'
import type { Entry, Layer } from './layer.js'
import { childSchema, isSection } from './keys.js'
import { show, type Problem } from './problems.js'
import { ConfigSchema } from './schema.js'

export function readConfigFile (file: string): Layer {
  const layer: Layer = { entries: [], problems: [] }
  const fail = (text: string): Layer => {
    layer.problems.push({ key: '', text: `config file ${file}: ${text}` })
    return layer
  }

  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    return fail(code === 'ENOENT' ? 'not found' : `cannot be read (${String(code)})`)
  }

  const doc = parseDocument(text)
  if (doc.errors.length > 0) {
    // The first line of yaml's message says what and where ("... at line 2, column 1:").
    for (const error of doc.errors) fail(`invalid YAML: ${firstLine(error.message)}`)
    return layer
  }

  const root: unknown = doc.toJS()
  // An empty file (or one with only comments) is null: it sets nothing.
  if (root === null) return layer
  if (!isMapping(root)) return fail(`must be a mapping of settings (got ${show(root)})`)
  flatten(root, ConfigSchema, '', layer)
  return layer
}

function flatten (mapping: Record<string, unknown>, section: TObject, prefix: string, layer: Layer): void {
  for (const [name, value] of Object.entries(mapping)) {
    const key = prefix + name
    const schema = childSchema(section, name)
    if (schema === undefined) {
      layer.problems.push(problem(key, 'unknown key'))
    } else if (!isSection(schema)) {
      layer.entries.push(entry(key, value))
    } else if (isMapping(value)) {
      flatten(value, schema, `${key}.`, layer)
    } else if (value !== null) {
      // "listen:" with nothing under it is null and sets nothing; anything else is a mistake.
      layer.problems.push(problem(key, `must be a mapping (got ${show(value)})`))
    }
  }
}

function isMapping (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function firstLine (message: string): string {
  return String(message.split('\n')[0]).replace(/:$/, '')
}

function entry (key: string, value: unknown): Entry {
  return { key, value, label: key }
}

function problem (key: string, text: string): Problem {
  return { key, text: `${key}: ${text}` }
}
