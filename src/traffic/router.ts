import type { IncomingMessage } from 'node:http'
import { isColour, type Colour } from '../colour.js'
import type { Deployment } from '../state/deployment.js'
import { selectColour } from './select.js'

export interface RouterOptions {
  preview: { enabled: boolean, header: string, requireToken: boolean }
  stickyHeader: string | null
  authorised: (authorization: string | undefined) => boolean
}

/** A preview header that names no colour, or lacks the token it needs. */
export type PreviewRefusal = 'unknown-colour' | 'unauthorised'

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

  /** The preview colour asked for, a refusal, or null for a live request. */
  preview (req: IncomingMessage): Colour | PreviewRefusal | null {
    if (!this.#options.preview.enabled) return null
    const value = req.headers[this.#previewHeader]
    if (value === undefined) return null
    if (this.#options.preview.requireToken && !this.#options.authorised(req.headers.authorization)) return 'unauthorised'
    return isColour(value) ? value : 'unknown-colour'
  }

  live (req: IncomingMessage): Colour {
    if (this.canaryWeight <= 0) return this.#deployment.active
    const key = this.#stickyHeader === null ? undefined : req.headers[this.#stickyHeader]
    return selectColour({ active: this.#deployment.active, canaryWeight: this.canaryWeight }, typeof key === 'string' ? key : undefined, Math.random())
  }
}
