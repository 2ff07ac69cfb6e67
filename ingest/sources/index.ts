import type { FileSource } from '../../src/lib/contracts/ingest.js';
import adRevenue from './ad-revenue.js';
import engagement from './engagement.js';
import generationJobs from './generation-jobs.js';
import gpuFleet from './gpu-fleet.js';
import gpuPriceSheets from './gpu-price-sheets.js';
import gpuInvoices from './gpu-invoices.js';
import budgets from './budgets.js';
import fxRates from './fx-rates.js';
import users from './users.js';
import videos from './videos.js';
import type { SourceSpec } from './spec.js';

export type { SourceSpec, RuleIssue } from './spec.js';

export const sources = {
	engagement,
	videos,
	users,
	generation_jobs: generationJobs,
	gpu_fleet: gpuFleet,
	ad_revenue: adRevenue,
	gpu_price_sheets: gpuPriceSheets,
	gpu_invoices: gpuInvoices,
	budgets,
	fx_rates: fxRates
} as unknown as Record<FileSource, SourceSpec>;
