/**
 * Grouping key of a stored dead letter (rows from before the rule column fall
 * back to trimming the value). Here, below both ingest/ (which writes and
 * summarizes dead letters) and the Ingest page's queries.
 */
export const RULE_SQL = `if(rule != '', rule, replaceRegexpOne(reason, ', got .*$', ''))`;
