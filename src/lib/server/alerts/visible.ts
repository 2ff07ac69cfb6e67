import { metricRoles, roles } from '../auth/access.js';
import type { Auth } from '../auth/index.js';
import type { MetricId } from '../../contracts/metrics.js';
import type { AlertEvaluation } from './rules.js';

/**
 * Whether `auth` may see a metric's alert values: the same roles as the
 * metric's page. A token holds no role, so it sees only the headline metrics
 * every role sees; an alert on a product-only indicator must not hand execs,
 * finance or scripts the values its page would refuse them.
 */
export function maySeeMetric(auth: Auth | undefined, metric: MetricId): boolean {
	const allowed = metricRoles(metric);
	if (auth?.user) return allowed.includes(auth.user.role);
	if (auth?.token) return roles.every((r) => allowed.includes(r));
	return false;
}

/** The evaluation with every rule, breach and error about a metric `auth` may not see left out. */
export function alertsVisibleTo(auth: Auth | undefined, e: AlertEvaluation): AlertEvaluation {
	const rules = e.rules.filter((r) => maySeeMetric(auth, r.metric));
	const ruleIds = new Set(rules.map((r) => r.id));
	return { ...e, rules, breaches: e.breaches.filter((b) => maySeeMetric(auth, b.metric)), errors: e.errors.filter((x) => ruleIds.has(x.rule_id)) };
}
