// Which requests the shield may send a second time: a method alone (any path), or a method and
// an exact path ("POST /invocations": scoring is safe to repeat, an arbitrary POST may not be).

export interface MethodMatcher {
  allows (method: string, url: string): boolean
}

export function methodMatcher (entries: readonly string[]): MethodMatcher {
  const anyPath = new Set<string>()
  const paths = new Map<string, Set<string>>()
  for (const entry of entries) {
    const space = entry.indexOf(' ')
    if (space === -1) {
      anyPath.add(entry)
    } else {
      const method = entry.slice(0, space)
      let set = paths.get(method)
      if (set === undefined) paths.set(method, set = new Set())
      set.add(entry.slice(space + 1))
    }
  }
  return {
    allows (method, url) {
      if (anyPath.has(method)) return true
      const set = paths.get(method)
      if (set === undefined) return false
      const query = url.indexOf('?')
      return set.has(query === -1 ? url : url.slice(0, query))
    }
  }
}
