import { groupFilterToSql } from './group-filter.sql';

describe('a filter on groups as SQL (RFC 7644 §3.4.2.2)', () => {
  it("given Entra's displayName eq, when translated, then the lower-cased key compared as a parameter", () => {
    expect(groupFilterToSql('displayName eq "Engineering"', 'sqlite')).toEqual({ sql: '"g"."displayNameLower" = :gf0', params: { gf0: 'engineering' } });
  });

  it('given id eq and members eq, when translated, then a membership test by the members key, never the whole list', () => {
    const { sql, params } = groupFilterToSql('id eq "g1" and members eq "u1"', 'postgres');
    expect(sql).toBe(
      '("g"."id" = :gf0 AND EXISTS (SELECT 1 FROM "scim_group_members" "scim_group_members_1" WHERE "scim_group_members_1"."groupId" = "g"."id" AND "scim_group_members_1"."userId" = :gf1))',
    );
    expect(params).toEqual({ gf0: 'g1', gf1: 'u1' });
  });

  it.each(['members[value eq "u1"]', 'members.value eq "u1"', 'urn:ietf:params:scim:schemas:core:2.0:Group:members eq "u1"'])(
    'given %s, when translated, then the same membership test',
    (filter) => {
      expect(groupFilterToSql(filter, 'sqlite').sql).toMatch(/^EXISTS \(SELECT 1 FROM "scim_group_members" .* = :gf0\)$/);
    },
  );

  it.each([
    ['an attribute groups do not have', 'owner eq "x"'],
    ['members with an operator other than eq', 'members co "u"'],
    ['a value path on another attribute', 'emails[value eq "x"]'],
    ['a number for a string', 'displayName eq 12'],
    ['a date that is not one', 'meta.created gt "yesterday"'],
    ['a malformed filter', 'displayName eq'],
  ])('given %s, when translated, then 400 invalidFilter', (_, filter) => {
    expect(() => groupFilterToSql(filter, 'sqlite')).toThrow(expect.objectContaining({ status: 400, scimType: 'invalidFilter' }));
  });
});
