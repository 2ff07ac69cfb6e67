import { useTempWarehouse } from '../helpers/warehouse.js';
import { dayTableSuite } from '../helpers/day-tables-suite.js';

// The tests themselves are in tests/helpers/day-tables-suite.ts: cluster-day-tables.test.ts runs them on the clustered schema.
const { open } = useTempWarehouse('loopmeter-day-tables-');
dayTableSuite({ open, local: (table) => table });
