import {
  attributeChanges,
  attributePathName,
  MAX_ATTRIBUTE_VALUES,
  MAX_ATTRIBUTES_TEXT,
  refuseUnstorableAttributes,
  sameValue,
  type UserAttributes,
  withAttributeChanges,
} from './user-attributes';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe('the kept attributes of a user (rule A1)', () => {
  const before: UserAttributes = {
    title: 'Engineer',
    name: { middleName: 'Augusta' },
    phoneNumbers: [{ value: '1', type: 'work' }],
    [ENTERPRISE]: { department: 'R&D', manager: { value: 'u-7' } },
  };
  const after: UserAttributes = {
    name: { middleName: 'Augusta', honorificPrefix: 'Ms.' },
    phoneNumbers: [
      { value: '1', type: 'work' },
      { value: '2', type: 'mobile' },
    ],
    [ENTERPRISE]: { department: 'R&D', manager: { value: 'u-8' } },
  };

  it('given two documents, when compared, then each changed path with its old and new value, sub-attribute by sub-attribute, a list whole', () => {
    expect(attributeChanges(before, after)).toEqual([
      { path: ['name', 'honorificPrefix'], from: null, to: 'Ms.' },
      { path: ['phoneNumbers'], from: before.phoneNumbers, to: after.phoneNumbers },
      { path: ['title'], from: 'Engineer', to: null },
      { path: [ENTERPRISE, 'manager', 'value'], from: 'u-7', to: 'u-8' },
    ]);
  });

  it('given the changes, when applied to the document before, then the document after, emptied parents gone', () => {
    expect(withAttributeChanges(before, attributeChanges(before, after))).toEqual(after);
    expect(withAttributeChanges({ name: { middleName: 'A' } }, [{ path: ['name', 'middleName'], from: 'A', to: null }])).toEqual({});
  });

  it('given the same values of a multi-valued attribute in another order, then the same value (RFC 7643 §2.4), and no change', () => {
    const reversed = [...(after.phoneNumbers as object[])].reverse() as UserAttributes[string];
    expect(sameValue(after.phoneNumbers, reversed)).toBe(true);
    expect(attributeChanges(after, { ...after, phoneNumbers: reversed })).toEqual([]);
    expect(sameValue([{ value: '1' }, { value: '1' }], [{ value: '1' }, { value: '2' }])).toBe(false);
  });

  it('given a path under an extension, when named for a person, then the URN joined with ":" and sub-attributes with "."', () => {
    expect(attributePathName([ENTERPRISE, 'manager', 'value'])).toBe(`${ENTERPRISE}:manager.value`);
    expect(attributePathName(['name', 'givenName'])).toBe('name.givenName');
  });

  describe('bounds, on the stored form', () => {
    const values = (count: number, text = 'x') => Array.from({ length: count }, (_, i) => ({ value: `${i}`, display: text }));

    it('given a multi-valued attribute of one value more than the bound, then refused naming it; at the bound, kept', () => {
      expect(() => refuseUnstorableAttributes({ roles: values(MAX_ATTRIBUTE_VALUES + 1) })).toThrow(`roles has more than ${MAX_ATTRIBUTE_VALUES} values`);
      expect(() => refuseUnstorableAttributes({ roles: values(MAX_ATTRIBUTE_VALUES) })).not.toThrow();
    });

    it('given a new user whose attributes take more than the bound in all, then refused', () => {
      expect(() => refuseUnstorableAttributes({ roles: values(80, 'y'.repeat(500)) })).toThrow(`at most ${MAX_ATTRIBUTES_TEXT} are allowed`);
    });

    it('given an existing user already over the bound, when a change does not grow it, then kept; when it grows, refused', () => {
      const large: UserAttributes = { roles: values(80, 'y'.repeat(500)) };
      expect(() => refuseUnstorableAttributes(large, large)).not.toThrow();
      expect(() => refuseUnstorableAttributes({ roles: values(79, 'y'.repeat(500)) }, large)).not.toThrow();
      expect(() => refuseUnstorableAttributes({ ...large, title: 'more' }, large)).toThrow(`at most ${MAX_ATTRIBUTES_TEXT} are allowed`);
    });
  });
});
