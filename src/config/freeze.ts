// The resolved config is shared by every part of the app; freezing it all the way down means a
// stray write fails loudly (in strict mode) instead of changing behaviour somewhere else.

export function deepFreeze<T> (value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}
