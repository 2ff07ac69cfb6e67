-- gpu_price_sheets as loaded by {as_of}: per (gpu_type, valid_from), the version
-- with the latest loaded_at ≤ as_of (gpu_price_sheet_versions keeps every load).
-- Without an as_of: the latest load of each sheet, what gpu_price_sheets FINAL returns.
SELECT gpu_type, valid_from, purchase_usd_per_gpu, amortization_months, power_watts, maintenance_usd_per_gpu_month, loaded_at
FROM gpu_price_sheet_versions
WHERE loaded_at <= {as_of:DateTime64(3, 'UTC')}
ORDER BY gpu_type, valid_from, loaded_at DESC
LIMIT 1 BY gpu_type, valid_from
