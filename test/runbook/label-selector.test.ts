/**
 * Label selectors are parsed as the API server parses them (issue 10, item 5): the valid and
 * invalid strings below are the cases of k8s.io/apimachinery pkg/labels/selector_test.go
 * (TestSelectorParse, TestSetSelectorParser, TestLexer, TestRequirementConstructor, v0.37.2),
 * plus the runbook mistakes the issue names (`app in spire`, `=foo`, `app=x,,`).
 */
import {describe, expect, it} from 'vitest';
import {parseLabelSelector, selectorProblem} from '../../source/runbook/label-selector.js';

/** Strings Go's `labels.Parse` accepts. */
const VALID = [
	// TestSelectorParse testGoodStrings
	'x=a,y=b,z=c',
	'',
	'x!=a,y=b',
	'x=',
	'x= ',
	'x=,z= ',
	'x= ,z= ',
	'!x',
	'x>1',
	'x>1,z<5',
	// TestSetSelectorParser, Valid: true
	'\rx',
	'this-is-a-dns.domain.com/key-with-dash',
	'this-is-another-dns.domain.com/key-with-dash in (so,what)',
	'0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)',
	'foo  in\t (abc)',
	'x notin\n (abc)',
	'x  notin\t\t\t(abc,def)',
	'x in (abc,def)',
	'x in (abc,)',
	'x in (abc,abc)',
	'x in ()',
	'x in (a,,)',
	'x in (a,,,)',
	'x in (a,,,,,,)',
	'x in (a,,a,,a,,a,,)',
	'x notin (abc,,def),bar,z in (),w',
	'x,y in (a)',
	'x=a',
	'x>1',
	'x<7',
	'x=a,y!=b',
	'x=a,y!=b,z in (h,i,j)',
	'x notin ( )',
	'x notin (, a)',
	'a ',
	'a in (x,y,notin, z,in)',
	// the selectors of the shipped runbooks
	'app.kubernetes.io/component=matrix-server',
	'application=spilo,cluster-name=synapse-db',
	'x==a',
	'in=notin',
	`k=${'v'.repeat(63)}`,
	`${'a'.repeat(253)}/${'n'.repeat(63)}`,
];

/** Strings Go's `labels.Parse` refuses. */
const INVALID = [
	// TestSelectorParse testBadStrings
	'x=a||y=b',
	'x==a==b',
	'!x=a',
	'x<a',
	// TestSetSelectorParser, Valid: false
	'x,,y',
	',x,y',
	'x nott in (y)',
	'a in (xyz),',
	'a in (xyz)b notin ()',
	'a in (xyz abc)',
	'a notin(',
	'a (',
	'(',
	// TestRequirementConstructor: over-long key and value, a blank in a value, gt without an integer
	'a'.repeat(254),
	`x16=${'a'.repeat(254)}`,
	`k=${'v'.repeat(64)}`,
	`${'n'.repeat(64)}`,
	'x>',
	'x>bar',
	'x>99999999999999999999',
	// the examples and other runbook mistakes
	'app in spire',
	'=foo',
	'app=x,,',
	'app=x,',
	'a/b/c=x',
	'/x=y',
	'Example.com/x=y',
	'x/=y',
	'app=hello world',
	'app=-x',
	'app=$',
	'x in (a',
	'x in a,b',
	'~',
	'||',
];

describe('label selectors (apimachinery labels.Parse)', () => {
	it.each(VALID)('accepts %j', selector => {
		expect(() => parseLabelSelector(selector)).not.toThrow();
	});

	it.each(INVALID)('refuses %j', selector => {
		expect(() => parseLabelSelector(selector)).toThrow();
	});

	it('reads requirements as Go does: sorted by key, sets without duplicates, "in" as a word where a value is expected', () => {
		expect(parseLabelSelector('x notin (abc,,def),bar,z in (),w')).toEqual([
			{key: 'bar', operator: 'exists', values: []},
			{key: 'w', operator: 'exists', values: []},
			{key: 'x', operator: 'notin', values: ['', 'abc', 'def']},
			{key: 'z', operator: 'in', values: ['']},
		]);
		expect(parseLabelSelector('a in (x,y,notin, z,in)')).toEqual([{key: 'a', operator: 'in', values: ['in', 'notin', 'x', 'y', 'z']}]);
		expect(parseLabelSelector('x in (a,,a,,a,,a,,)')).toEqual([{key: 'x', operator: 'in', values: ['', 'a']}]);
		expect(parseLabelSelector('!x,y!=b,z>1')).toEqual([
			{key: 'x', operator: '!', values: []},
			{key: 'y', operator: '!=', values: ['b']},
			{key: 'z', operator: 'gt', values: ['1']},
		]);
	});

	it('says what was expected and where', () => {
		expect(selectorProblem('app in spire')).toBe('not a valid label selector: expected "(" after "app in" (write app in (a,b)), found "spire" at character 8');
		expect(selectorProblem('=foo')).toBe('not a valid label selector: expected "!" or a label key, found "=" at character 1');
		expect(selectorProblem('app=x,,')).toBe('not a valid label selector: expected a requirement after ",", found "," at character 7');
		expect(selectorProblem('app=x,')).toBe('not a valid label selector: expected a requirement after ",", found the end of the selector');
		expect(selectorProblem('app=hello world')).toBe('not a valid label selector: expected "," or the end of the selector, found "world" at character 11');
		expect(selectorProblem('Example.com/x=y')).toContain('the prefix "Example.com" of the key "Example.com/x" is not a DNS subdomain');
		expect(selectorProblem('app.kubernetes.io/name=synapse')).toBeUndefined();
	});

	it('refuses the empty selector, which would match every object of the kind', () => {
		expect(parseLabelSelector('')).toEqual([]);
		expect(selectorProblem('')).toBe('an empty selector matches every object of the kind');
		expect(selectorProblem('  ')).toBe('an empty selector matches every object of the kind');
	});
});
