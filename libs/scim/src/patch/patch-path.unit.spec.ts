import { ENTERPRISE_USER_SCHEMA } from '../scim-schemas';
import { resolvePatchPath } from './patch-path';

const ENTERPRISE = ENTERPRISE_USER_SCHEMA;
const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const DRUVA = 'urn:ietf:params:scim:schemas:extension:Druva:2.0:User';

/** Issue 18, item 4: a PATCH path is decided against the schemas /Schemas advertises, and nothing else. */
describe('resolvePatchPath', () => {
  describe("given the paths Entra ID's and Okta's documentation send", () => {
    it.each([
      'active',
      'displayName',
      'externalId',
      'userName',
      'title',
      'nickName',
      'name.givenName',
      'name.familyName',
      'emails[type eq "work"].value',
      'emails[primary eq true].value',
      'addresses[type eq "work"].locality',
      'addresses[type eq "work"].streetAddress',
      'phoneNumbers[type eq "mobile"].value',
      'phoneNumbers[type eq "fax"].value',
      `${ENTERPRISE}:manager`,
      `${ENTERPRISE}:employeeNumber`,
      `${ENTERPRISE}:department`,
      `${DRUVA}:userPrincipalName`,
      // Entra's tutorial, example 5, names the enterprise manager without its URN (RFC 7644 §3.10 asks for it).
      'manager',
    ])('when %s is resolved, then it names a defined attribute', (path) => {
      expect(resolvePatchPath(path).attribute?.name).toEqual(expect.any(String));
    });
  });

  it.each([
    ['DISPLAYNAME', 'displayName'],
    ['Name.GivenName', 'name'],
    ['EMAILS[TYPE eq "work"].VALUE', 'emails'],
    [`${CORE.toUpperCase()}:USERNAME`, 'userName'],
    [`${ENTERPRISE.toLowerCase()}:Manager.Value`, 'manager'],
  ])('given %s in another case, when resolved, then it is %s (RFC 7643 §2.1: attribute names are case-insensitive)', (path, name) => {
    expect(resolvePatchPath(path).attribute?.name).toBe(name);
  });

  it.each([`${DRUVA}:city`, `${DRUVA.toLowerCase()}:Country`, `${DRUVA}:costCentre`])(
    'given %s, an attribute the Druva extension carries for the mappings only, when resolved, then the Druva schema: accepted, not refused (rule A3)',
    (path) => {
      const resolved = resolvePatchPath(path);
      expect(resolved.schema.id).toBe(DRUVA);
      expect(resolved.canonical.toLowerCase()).toBe(`${DRUVA}:${path.split(':').pop()}`.toLowerCase());
    },
  );

  it('given the core URN in front of a core attribute, when resolved, then that attribute of the core schema', () => {
    expect(resolvePatchPath(`${CORE}:name.givenName`)).toMatchObject({
      schema: { id: CORE },
      attribute: { name: 'name' },
      subAttribute: { name: 'givenName' },
    });
  });

  it('given a sub-attribute after a value filter, when resolved, then the multi-valued attribute and its sub-attribute', () => {
    expect(resolvePatchPath('addresses[type eq "work"].locality')).toMatchObject({ attribute: { name: 'addresses' }, subAttribute: { name: 'locality' } });
  });

  it.each([
    ['nickname2', 'nickname2'],
    ['company', 'company'],
    ['nonexistent.deep.path', 'nonexistent'],
    ['name.nope', 'name.nope'],
    ['Name.NOPE', 'Name.NOPE'],
    ['name.givenName.deeper', 'name.givenName.deeper'],
    ['displayName.value', 'displayName.value'],
    ['emails[type eq "work"].nope', 'emails.nope'],
    ['emails[kind eq "work"].value', 'emails.kind'],
    ['addresses[type eq "work" and town eq "Lyon"].locality', 'addresses.town'],
    ['phoneNumbers[not (carrier pr)]', 'phoneNumbers.carrier'],
    [`${CORE}:manager`, `${CORE}:manager`],
    [`${ENTERPRISE}:shoeSize`, `${ENTERPRISE}:shoeSize`],
    [`${ENTERPRISE}:manager.nope`, `${ENTERPRISE}:manager.nope`],
    // Entra's own custom extension is not one this server advertises.
    ['urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:x', 'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:x'],
  ])('given %s, which no advertised schema defines, when resolved, then 400 invalidPath naming %s as sent', (path, named) => {
    expect(() => resolvePatchPath(path)).toThrow(
      expect.objectContaining({ status: 400, scimType: 'invalidPath', detail: expect.stringContaining(`"${named}"`) }),
    );
  });

  it.each(['id', 'ID', 'meta.lastModified', 'meta.nope', 'groups', 'groups[value eq "g1"].display', `${CORE}:id`])(
    'given the read-only %s, when resolved, then 400 mutability, as before the schemas decided paths (RFC 7644 §3.5.2)',
    (path) => {
      expect(() => resolvePatchPath(path)).toThrow(expect.objectContaining({ status: 400, scimType: 'mutability' }));
    },
  );

  it('given an advertised extension URN alone, when resolved, then the schema itself (its attributes replaced together)', () => {
    expect(resolvePatchPath(ENTERPRISE.toLowerCase())).toEqual({ schema: expect.objectContaining({ id: ENTERPRISE }), canonical: ENTERPRISE });
  });

  it.each([
    ['NAME.GIVENNAME', 'name.givenName'],
    [`${ENTERPRISE.toUpperCase()}:COSTCENTER`, `${ENTERPRISE}:costCenter`],
    ['manager', `${ENTERPRISE}:manager`],
    ['urn:ietf:params:scim:schemas:core:2.0:User:UserName', 'userName'],
    ['Emails[TYPE eq "Other"].Value', 'emails[type eq "Other"].value'],
    ['addresses[type eq "work" and Locality eq "TYPE"].Formatted', 'addresses[type eq "work" and locality eq "TYPE"].formatted'],
  ])(
    'given the path %s, when resolved, then it is written %s: the PATCH library compares names exactly (findings F2, F3, F12 of the attack on issue 18)',
    (path, canonical) => {
      expect(resolvePatchPath(path).canonical).toBe(canonical);
    },
  );

  it("given a value filter that does not parse, when resolved, then the attribute only: the syntax is the PATCH parser's to refuse", () => {
    expect(resolvePatchPath('emails[type eq').attribute?.name).toBe('emails');
  });

  it('given the enterprise manager.displayName, which the server sets, when resolved, then 400 mutability as for any read-only attribute', () => {
    expect(() => resolvePatchPath(`${ENTERPRISE}:manager.displayName`)).toThrow(expect.objectContaining({ status: 400, scimType: 'mutability' }));
  });
});
