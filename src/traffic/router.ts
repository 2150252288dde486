import type { IncomingMessage } from 'node:http'
import { isColour, type Colour } from '../colour.js'
import type { Deployment } from '../state/deployment.js'
import { selectColour } from './select.js'

/** The guard's stop-gap between a trip and its committed rollback. */
export interface Diverter {
  diversion: { from: Colour, to: Colour } | null
}

export interface RouterOptions {
  preview: { enabled: boolean, header: string }
  stickyHeader: string | null
  diverter?: Diverter
}

/**
 * Reads the request once, on arrival, and names its colour: a preview colour when the request
 * asks for one (never counted as live), else the live choice (active, or the standby for a
 * canary share). The pure part is selectColour().
 */
export class Router {
  canaryWeight = 0
  readonly #deployment: Deployment
  readonly #options: RouterOptions
  readonly #previewHeader: string
  readonly #stickyHeader: string | null

  constructor (deployment: Deployment, options: RouterOptions) {
    this.#deployment = deployment
    this.#options = options
    this.#previewHeader = options.preview.header.toLowerCase()
    this.#stickyHeader = options.stickyHeader === null ? null : options.stickyHeader.toLowerCase()
  }

  /**
   * The preview colour asked for, 'unknown-colour' for a header that names none, or null for a
   * live request. Whether the caller may preview (preview.requireToken) is the admin token
   * check's to say (src/admin/auth.ts), not the router's.
   */
  preview (req: IncomingMessage): Colour | 'unknown-colour' | null {
    if (!this.#options.preview.enabled) return null
    const value = req.headers[this.#previewHeader]
    if (value === undefined) return null
    return isColour(value) ? value : 'unknown-colour'
  }

  live (req: IncomingMessage): Colour {
    let active = this.#deployment.active
    const diversion = this.#options.diverter?.diversion ?? null
    if (diversion !== null && diversion.from === active) active = diversion.to
    if (this.canaryWeight <= 0) return active
    const key = this.#stickyHeader === null ? undefined : req.headers[this.#stickyHeader]
    return selectColour({ active, canaryWeight: this.canaryWeight }, typeof key === 'string' ? key : undefined, Math.random())
  }
}
