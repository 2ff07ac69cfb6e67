-- Base rows: compute spend split by cost component (rental, amortization, power,
-- maintenance), one row per fleet interval, day and component. Built on
-- fleet_gpu_hours so the cost model has exactly one definition.
SELECT day, cluster, gpu_type, ownership, component.1 AS cost_component, component.2 AS spend_usd
FROM (
	SELECT *, [('rental', rental_usd), ('amortization', amortization_usd), ('power', power_usd), ('maintenance', maintenance_usd)] AS components
	FROM (
		{{fleet_gpu_hours}}
	)
)
ARRAY JOIN components AS component
WHERE component.2 != 0
