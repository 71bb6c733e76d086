import { attributeValueText, filterMatches, firstMatching, parseFilterValues, sameFilter, ScimMappingFilter } from './scim-mapping-filter';

describe('SCIM mapping filter', () => {
  describe('parseFilterValues (rule M2)', () => {
    it('given comma-separated text, when parsed, then one value per comma, trimmed', () => {
      expect(parseFilterValues('Sales, Marketing ,Support')).toEqual(['Sales', 'Marketing', 'Support']);
    });

    it('given text with a semicolon, when parsed, then semicolons separate and commas stay inside values', () => {
      expect(parseFilterValues('Paris, FR; Lyon, FR')).toEqual(['Paris, FR', 'Lyon, FR']);
    });

    it('given a single value containing a comma and a trailing semicolon, when parsed, then that one value', () => {
      expect(parseFilterValues('Smith, John;')).toEqual(['Smith, John']);
    });

    it('given a single value containing a comma and no semicolon, when parsed, then the comma splits it', () => {
      expect(parseFilterValues('Smith, John')).toEqual(['Smith', 'John']);
    });

    it('given empty parts and repeats, when parsed, then empties are dropped and repeats kept once, in first order', () => {
      expect(parseFilterValues(' ,Sales,, Sales ,Legal, ')).toEqual(['Sales', 'Legal']);
    });

    it('given values differing only by case, when parsed, then both are kept (case-sensitive)', () => {
      expect(parseFilterValues('sales,Sales')).toEqual(['sales', 'Sales']);
    });

    it('given only separators and spaces, when parsed, then no value', () => {
      expect(parseFilterValues(' , , ')).toEqual([]);
      expect(parseFilterValues(' ; ;')).toEqual([]);
      expect(parseFilterValues('')).toEqual([]);
    });

    it('given a semicolon, when a comma stands alone between them, then that comma is a value', () => {
      expect(parseFilterValues(' , ; ')).toEqual([',']);
    });
  });

  describe('attributeValueText', () => {
    it('given strings, numbers, booleans and bigints, when read, then their String() form', () => {
      expect([attributeValueText('Sales'), attributeValueText(42), attributeValueText(true), attributeValueText(7n)]).toEqual(['Sales', '42', 'true', '7']);
    });

    it('given values without a single text, when read, then null', () => {
      expect([NaN, Infinity, null, undefined, { value: 'Sales' }, ['Sales'], Symbol('Sales')].map(attributeValueText)).toEqual([
        null,
        null,
        null,
        null,
        null,
        null,
        null,
      ]);
    });
  });

  describe('filterMatches (rule M2)', () => {
    const sales: ScimMappingFilter = { attribute: 'department', values: ['Sales', 'Marketing'] };

    it('given a user whose attribute equals any one value, when matched, then it matches', () => {
      expect(filterMatches(sales, { department: 'Marketing' })).toBe(true);
    });

    it('given a value in another case, when matched, then no match (values are case-sensitive)', () => {
      expect(filterMatches(sales, { department: 'sales' })).toBe(false);
    });

    it('given the attribute name in another case, when matched, then no match (names are case-sensitive)', () => {
      expect(filterMatches(sales, { Department: 'Sales' })).toBe(false);
    });

    it('given a value with surrounding spaces on the user, when matched, then no match (compared exactly)', () => {
      expect(filterMatches(sales, { department: ' Sales' })).toBe(false);
    });

    it('given a numeric attribute, when matched, then compared by its text', () => {
      expect(filterMatches({ attribute: 'costCenter', values: ['42'] }, { costCenter: 42 })).toBe(true);
      expect(filterMatches({ attribute: 'costCenter', values: ['42.0'] }, { costCenter: 42 })).toBe(false);
    });

    it('given a multi-valued attribute holding a value, when matched, then no match (arrays never equal a value)', () => {
      expect(filterMatches(sales, { department: ['Sales'] })).toBe(false);
    });

    it('given the attribute missing, when matched, then no match, even for inherited names', () => {
      expect(filterMatches(sales, {})).toBe(false);
      const inheritsSales = Object.create({ department: 'Sales' }) as Record<string, unknown>;
      expect(filterMatches(sales, inheritsSales)).toBe(false);
    });
  });

  describe('firstMatching (rule M3)', () => {
    const bySales = { id: 'sales', filter: { attribute: 'department', values: ['Sales'] } };
    const byParis = { id: 'paris', filter: { attribute: 'city', values: ['Paris'] } };

    it('given two matching mappings, when matched, then the first in order wins', () => {
      const user = { department: 'Sales', city: 'Paris' };
      expect(firstMatching([bySales, byParis], user)?.id).toBe('sales');
      expect(firstMatching([byParis, bySales], user)?.id).toBe('paris');
    });

    it('given only a later mapping matches, when matched, then that one', () => {
      expect(firstMatching([bySales, byParis], { department: 'Legal', city: 'Paris' })?.id).toBe('paris');
    });

    it('given no mapping matches, when matched, then null', () => {
      expect(firstMatching([bySales, byParis], { department: 'Legal' })).toBeNull();
    });
  });

  describe('sameFilter', () => {
    it('given the same values in another order, then the same filter', () => {
      expect(sameFilter({ attribute: 'a', values: ['x', 'y'] }, { attribute: 'a', values: ['y', 'x'] })).toBe(true);
    });

    it('given another attribute, a value more or another value, then a different filter', () => {
      const base = { attribute: 'a', values: ['x', 'y'] };
      expect(sameFilter(base, { attribute: 'A', values: ['x', 'y'] })).toBe(false);
      expect(sameFilter(base, { attribute: 'a', values: ['x', 'y', 'z'] })).toBe(false);
      expect(sameFilter(base, { attribute: 'a', values: ['x', 'Y'] })).toBe(false);
    });
  });
});
