import { z } from 'zod';
import { bool, text, timestamp } from '../fields.js';
import { defineSource } from './spec.js';

/** One row per account; the latest loaded row per user_id wins. */
export const userRow = z.object({
	user_id: text(),
	signup_at: timestamp(),
	stripe_customer_id: text({ default: '' }),
	country: text({ default: '', pattern: /^[A-Z]{2}$/, patternRule: 'must be an ISO 3166-1 alpha-2 code such as US' }),
	is_internal: bool({ default: false })
});
export type UserRow = z.infer<typeof userRow>;

export default defineSource({ source: 'users', table: 'users', describes: 'One row per account.', columns: userRow, key: ['user_id'], keep: 'latest' });
