// From config to a running registry sync (or none), and the settings that must go together.
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { COLOURS } from '../colour.js'
import type { Config } from '../config/schema.js'
import { MlflowRegistryClient } from './mlflow.js'
import { createSyncFailures, RegistrySync } from './sync.js'

/** One line per problem, keyed like the loader's, for start-up to refuse with. */
export function registryProblems (config: Pick<Config, 'registry' | 'upstreams'>): string[] {
  const mlflow = config.registry.mlflow
  if (mlflow.trackingUri === null) return []
  const problems: string[] = []
  if (mlflow.name === null) problems.push('registry.mlflow.name: is required with registry.mlflow.trackingUri (the registered model whose alias follows the active colour)')
  for (const colour of COLOURS) {
    if (config.upstreams[colour].modelVersion === null) problems.push(`upstreams.${colour}.modelVersion: is required with registry.mlflow.trackingUri (the version the alias moves to when ${colour} is active)`)
  }
  return problems
}

/**
 * The registry sync named in config, or null when none is. The failure counter is registered
 * either way, so dashboards and alerts can rely on it.
 */
export function openRegistrySync (config: Pick<Config, 'registry' | 'upstreams'>, deps: { registry: Registry, logger: Logger, env: Readonly<Record<string, string | undefined>> }): RegistrySync | null {
  const failures = createSyncFailures(deps.registry)
  const mlflow = config.registry.mlflow
  if (mlflow.trackingUri === null || mlflow.name === null) return null
  let token: string | null = null
  if (mlflow.tokenEnv !== null) {
    const value = deps.env[mlflow.tokenEnv]
    if (value === undefined || value === '') deps.logger.warn({ tokenEnv: mlflow.tokenEnv }, 'registry.mlflow.tokenEnv names a variable that is not set: calling MLflow without a token')
    else token = value
  }
  const client = new MlflowRegistryClient({ trackingUri: mlflow.trackingUri, token, timeout: mlflow.timeout })
  return new RegistrySync({
    client,
    name: mlflow.name,
    alias: mlflow.alias,
    versions: { blue: config.upstreams.blue.modelVersion, green: config.upstreams.green.modelVersion },
    retries: mlflow.retries,
    backoffMs: mlflow.backoff,
    logger: deps.logger,
    failures
  })
}
