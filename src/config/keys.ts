// The settings as a flat list, found by walking the schema: each leaf's dotted key, its
// environment variable and flag, its default. The env, flag and README names all come from here,
// so they cannot drift from the schema.
import { KindGuard, type TObject, type TSchema } from '@sinclair/typebox'
import { ConfigSchema, DEFAULTS, type Refine } from './schema.js'

export interface Leaf {
  /** Dotted path, as written in YAML and flags: 'upstreams.blue.healthPath'. */
  readonly key: string
  readonly path: readonly string[]
  /** 'SWITCHYARD_UPSTREAMS_BLUE_HEALTH_PATH' */
  readonly env: string
  readonly schema: TSchema
  /** The phrase problem lines use: 'must be an integer from 0 to 65535'. */
  readonly expected: string
  readonly description: string
  readonly refine: Refine | undefined
  /** Problem lines show the kind of value, not the value. */
  readonly secret: boolean
  /** undefined when the setting has no default and must be given. */
  readonly default: unknown
}

const ENV_PREFIX = 'SWITCHYARD_'

/** 'upstreams.blue.healthPath' -> 'SWITCHYARD_UPSTREAMS_BLUE_HEALTH_PATH' (camelCase split, dots to _). */
export function envNameFor (path: string): string {
  return ENV_PREFIX + path.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replaceAll('.', '_').toUpperCase()
}

export function isSection (schema: TSchema): schema is TObject {
  return KindGuard.IsObject(schema)
}

/** The child schema named `name`, or undefined; own properties only, so "constructor" is unknown. */
export function childSchema (section: TObject, name: string): TSchema | undefined {
  return Object.hasOwn(section.properties, name) ? section.properties[name] : undefined
}

function valueAt (root: unknown, path: readonly string[]): unknown {
  let value = root
  for (const name of path) value = (value as Record<string, unknown> | undefined)?.[name]
  return value
}

function walk (section: TObject, path: readonly string[], into: Leaf[]): Leaf[] {
  for (const [name, schema] of Object.entries(section.properties)) {
    const here = [...path, name]
    if (isSection(schema)) {
      walk(schema, here, into)
      continue
    }
    const key = here.join('.')
    into.push({
      key,
      path: here,
      env: envNameFor(key),
      schema,
      expected: String(schema['expected']),
      description: String(schema.description),
      refine: schema['refine'] as Refine | undefined,
      secret: schema['secret'] === true,
      default: valueAt(DEFAULTS, here)
    })
  }
  return into
}

/** Every setting, in schema order. */
export const LEAVES: readonly Leaf[] = Object.freeze(walk(ConfigSchema, [], []))

const byKey = new Map(LEAVES.map(leaf => [leaf.key, leaf]))
const byEnv = new Map(LEAVES.map(leaf => [leaf.env, leaf]))

export function leafForKey (key: string): Leaf | undefined {
  return byKey.get(key)
}

export function leafForEnv (name: string): Leaf | undefined {
  return byEnv.get(name)
}

export function isSwitchyardVariable (name: string): boolean {
  return name.startsWith(ENV_PREFIX)
}
