import type { ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../config.js';

// Apart from index.ts, which opens the warehouse and then migrates it: migrate.ts
// takes an open warehouse, and importing its type from index.ts made the two a circle.

export type WarehouseMode = 'embedded' | 'server';

export interface Warehouse {
	client: ClickHouseClient;
	mode: WarehouseMode;
	/** Cluster name when migrations render ON CLUSTER / Distributed DDL. */
	cluster?: string;
	/** Embedded data directory. */
	dataDir?: string;
	config: Config;
}

/** Values of a statement's `{name:Type}` placeholders, by name. */
export type Params = Record<string, unknown>;
