// What one source (the YAML file, the environment, the flags) says. Layers are applied in that
// order, so for each key the last entry wins.
import type { Problem } from './problems.js'

export interface Entry {
  readonly key: string
  readonly value: unknown
  /** How problems name this value's origin: 'listen.port', 'SWITCHYARD_LISTEN_PORT (listen.port)', '--listen.port'. */
  readonly label: string
}

export interface Layer {
  readonly entries: Entry[]
  readonly problems: Problem[]
}
