import request from 'supertest';
import { E2E_DATABASE, entraUser, SCIM_JSON, startTestApp, TENANT_A_TOKEN, TENANT_B_TOKEN, TestApp } from './support/test-app';
import { TIMEOUTS } from './support/timeouts';

const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

describe(`listing users: .search and cursor pagination on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  const names = Array.from({ length: 7 }, (_, i) => `list${i}@example.com`);

  beforeAll(async () => {
    t = await startTestApp();
    for (const name of names) {
      const created = await post('/scim/v2/Users').send(entraUser(name, { externalId: name.startsWith('list1') ? 'special' : `ext-${name}` }));
      expect(created.status).toBe(201);
    }
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });

  function post(url: string) {
    return request(t.http).post(url).set('Authorization', `Bearer ${TENANT_A_TOKEN}`).set('Content-Type', SCIM_JSON);
  }
  function get(url: string) {
    return request(t.http).get(url).set('Authorization', `Bearer ${TENANT_A_TOKEN}`);
  }
  const userNames = (body: { Resources: Array<{ userName: string }> }) => body.Resources.map((u) => u.userName);

  describe('POST /Users/.search (RFC 7644 §3.4.3)', () => {
    it('given a SearchRequest with a filter, when posted, then 200 with the matching users as a ListResponse', async () => {
      const response = await post('/scim/v2/Users/.search').send({ schemas: [SEARCH_REQUEST], filter: 'externalId eq "special"', startIndex: 1, count: 10 });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ totalResults: 1, startIndex: 1, itemsPerPage: 1 });
      expect(userNames(response.body)).toEqual(['list1@example.com']);
    });

    it('given a SearchRequest with sortBy and count, when posted on the alias, then the page is sorted', async () => {
      const response = await post('/insync/scim/Users/.search').send({ schemas: [SEARCH_REQUEST], sortBy: 'userName', sortOrder: 'descending', count: 2 });
      expect(response.status).toBe(200);
      expect(userNames(response.body)).toEqual(['list6@example.com', 'list5@example.com']);
      expect(response.body.totalResults).toBe(names.length);
    });

    it('given a bad filter in the body, when posted, then 400 invalidFilter', async () => {
      const response = await post('/scim/v2/Users/.search').send({ schemas: [SEARCH_REQUEST], filter: 'userName zz "x"' });
      expect(response.status).toBe(400);
      expect(response.body.scimType).toBe('invalidFilter');
    });

    it('given a body that is not a SearchRequest, when posted, then 400 invalidSyntax', async () => {
      const response = await post('/scim/v2/Users/.search').send({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'] });
      expect(response.status).toBe(400);
      expect(response.body.scimType).toBe('invalidSyntax');
    });
  });

  describe('case-insensitive attributes beyond ASCII (RFC 7643 §2.2 caseExact false)', () => {
    it('given a user named "Émile Zola", when filtered by displayName in capitals or sorted by it, then SQLite folds É as PostgreSQL does', async () => {
      // Given: in tenant B, so tenant A's counts stay as the other tests expect
      const asB = (test: request.Test) => test.set('Authorization', `Bearer ${TENANT_B_TOKEN}`);
      const created = await asB(request(t.http).post('/scim/v2/Users'))
        .set('Content-Type', SCIM_JSON)
        .send(entraUser('emile.zola@example.com', { displayName: 'Émile Zola' }));
      expect(created.status).toBe(201);
      // When: an unindexed filter (a read worker on SQLite) and a substring in other capitals
      const byName = await asB(request(t.http).get(`/scim/v2/Users?filter=${encodeURIComponent('displayName eq "ÉMILE ZOLA"')}`));
      const bySubstring = await asB(request(t.http).get(`/scim/v2/Users?filter=${encodeURIComponent('displayName co "éMILE"')}`));
      // Then
      expect([byName.status, userNames(byName.body)]).toEqual([200, ['emile.zola@example.com']]);
      expect([bySubstring.status, userNames(bySubstring.body)]).toEqual([200, ['emile.zola@example.com']]);
    });
  });

  describe('attributes and excludedAttributes (RFC 7644 §3.4.2.5, §3.9)', () => {
    it('given attributes=userName, when getting one user, then only schemas, id and userName come back', async () => {
      const [user] = (await get(`/scim/v2/Users?filter=${encodeURIComponent('userName eq "list0@example.com"')}`)).body.Resources;
      const response = await get(`/scim/v2/Users/${user.id}?attributes=userName`);
      expect(response.status).toBe(200);
      expect(Object.keys(response.body).sort()).toEqual(['id', 'schemas', 'userName']);
    });

    it('given excludedAttributes=emails,name on a list, when listing, then every user lacks them and keeps the rest', async () => {
      const response = await get('/scim/v2/Users?count=2&excludedAttributes=emails,name');
      // Two users, or the loop below would pass on none.
      expect(response.body.Resources).toHaveLength(2);
      for (const user of response.body.Resources) {
        expect(user.emails).toBeUndefined();
        expect(user.name).toBeUndefined();
        expect(user).toMatchObject({ id: expect.any(String), userName: expect.stringMatching(/@example\.com$/), active: expect.any(Boolean) });
      }
    });

    it('given attributes as an array in a SearchRequest, when posted, then resources carry only those', async () => {
      const response = await post('/scim/v2/Users/.search').send({ schemas: [SEARCH_REQUEST], attributes: ['userName', 'name.familyName'], count: 1 });
      expect(response.status).toBe(200);
      expect(response.body.Resources[0]).toEqual({
        schemas: expect.any(Array),
        id: expect.any(String),
        userName: expect.any(String),
        name: { familyName: 'Family' },
      });
    });

    it('given attributes on a POST, when creating, then the 201 body is projected too', async () => {
      // Tenant B, so the cursor tests below see tenant A's users unchanged.
      const response = await request(t.http)
        .post('/scim/v2/Users?attributes=userName,active')
        .set('Authorization', `Bearer ${TENANT_B_TOKEN}`)
        .set('Content-Type', SCIM_JSON)
        .send(entraUser('projected@example.com'));
      expect(response.status).toBe(201);
      expect(Object.keys(response.body).sort()).toEqual(['active', 'id', 'schemas', 'userName']);
    });

    it('given both attributes and excludedAttributes, when listing, then 400 invalidValue', async () => {
      const response = await get('/scim/v2/Users?attributes=userName&excludedAttributes=emails');
      expect(response.status).toBe(400);
      expect(response.body.scimType).toBe('invalidValue');
    });
  });

  describe('cursor pagination (RFC 9865)', () => {
    it('given an empty cursor, when paging with count=3 until no nextCursor, then every user comes exactly once', async () => {
      const seen: string[] = [];
      let cursor = '';
      for (let pages = 0; pages < 10; pages++) {
        const response = await get(`/scim/v2/Users?count=3&cursor=${encodeURIComponent(cursor)}`);
        expect(response.status).toBe(200);
        expect(response.body.totalResults).toBe(names.length);
        expect(response.body.startIndex).toBeUndefined();
        seen.push(...userNames(response.body));
        if (!response.body.nextCursor) break;
        expect(response.body.itemsPerPage).toBe(3);
        cursor = response.body.nextCursor;
      }
      // Two creates in one millisecond tie on createdAt and then follow id order, so compare as sets.
      expect(seen).toHaveLength(names.length);
      expect([...seen].sort()).toEqual([...names].sort());
    });

    it('given a user created between pages, when paging on, then no user is skipped or repeated', async () => {
      const first = await get('/scim/v2/Users?count=4&cursor=');
      await post('/scim/v2/Users').send(entraUser('late@example.com'));
      const second = await get(`/scim/v2/Users?count=100&cursor=${encodeURIComponent(first.body.nextCursor)}`);
      const all = [...userNames(first.body), ...userNames(second.body)];
      expect(all).toHaveLength(names.length + 1);
      expect([...all].sort()).toEqual([...names, 'late@example.com'].sort());
      expect(all[all.length - 1]).toBe('late@example.com');
      expect(second.body.nextCursor).toBeUndefined();
    });

    it('given a forged cursor, when used, then 400 invalidCursor', async () => {
      const response = await get('/scim/v2/Users?cursor=not-a-cursor');
      expect(response.status).toBe(400);
      expect(response.body.scimType).toBe('invalidCursor');
    });

    it('given a cursor from another filter, when used, then 400 invalidCursor', async () => {
      const first = await get('/scim/v2/Users?count=1&cursor=');
      const response = await get(`/scim/v2/Users?count=1&filter=${encodeURIComponent('active eq true')}&cursor=${encodeURIComponent(first.body.nextCursor)}`);
      expect(response.status).toBe(400);
      expect(response.body.scimType).toBe('invalidCursor');
    });

    it('given cursor and startIndex together, when listing, then 400 invalidValue', async () => {
      const response = await get('/scim/v2/Users?cursor=&startIndex=2');
      expect(response.status).toBe(400);
      expect(response.body.scimType).toBe('invalidValue');
    });
  });
});

describe(`a configured maximum page size on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ SCIM_MAX_PAGE_SIZE: '2' });
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });
  const auth = (test: request.Test) => test.set('Authorization', `Bearer ${TENANT_A_TOKEN}`);

  it('given SCIM_MAX_PAGE_SIZE=2, when a client asks for 100, then pages hold 2 and ServiceProviderConfig says so', async () => {
    for (const name of ['p1', 'p2', 'p3']) {
      expect(
        (
          await auth(request(t.http).post('/scim/v2/Users'))
            .set('Content-Type', SCIM_JSON)
            .send(entraUser(`${name}@example.com`))
        ).status,
      ).toBe(201);
    }
    const page = await auth(request(t.http).get('/scim/v2/Users?count=100'));
    expect(page.body).toMatchObject({ totalResults: 3, itemsPerPage: 2 });
    const config = await auth(request(t.http).get('/scim/v2/ServiceProviderConfig'));
    expect(config.body.filter.maxResults).toBe(2);
  });
});
