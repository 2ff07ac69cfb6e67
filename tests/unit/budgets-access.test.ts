import { describe, expect, it } from 'vitest';
import { requirementFor } from '../../src/lib/server/auth/access.js';

const req = (path: string, method: string) => requirementFor(path, method, () => false);

describe('budgets: finance reads, only admins set', () => {
	it('lets finance and read tokens list budgets', () => {
		expect(req('/api/v1/budgets', 'GET')).toEqual({ kind: 'roles', roles: ['finance', 'admin'], scopes: ['metrics:read'] });
	});

	it('lets only admins set one, by the API or the admin page, and no token', () => {
		expect(req('/api/v1/budgets', 'POST')).toEqual({ kind: 'roles', roles: ['admin'] });
		expect(req('/admin/budgets', 'GET')).toEqual({ kind: 'roles', roles: ['admin'] });
		expect(req('/admin/budgets', 'POST')).toEqual({ kind: 'roles', roles: ['admin'] });
	});
});
