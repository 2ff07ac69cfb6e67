// Registers every metric. One file per domain; each metric's SQL is in sql/metrics/.
import './compute.js';
import './attention.js';
import './revenue.js';
import './economics.js';
import './engagement.js';
import './slop.js';
import './finance-depth.js';
