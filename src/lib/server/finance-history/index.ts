export { changeMonthClose, closedMonths, listMonthCloses, MonthCloseError } from './closed-months.js';
export { restatementReport, wholeMonths } from './restatements.js';
