// Two cores: the proxy under test gets core 0 to itself; the upstream and the load generator
// share core 1. A proxy at 100% of its core is then the bottleneck, and the report shows it.
export const PROXY_CORE = 0
export const UPSTREAM_CORE = 1
export const LOAD_CORE = 1
