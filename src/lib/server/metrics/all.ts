// Compatibility for imports written when metrics registered themselves as a side
// effect of `import './all.js'`: the table in registry.ts now holds every metric.
export { metricDefinitions } from './registry.js';
