import { eventMetadata, MAX_IGNORED_ATTRIBUTE_NAMES, type CommandMetadata } from './event-metadata';

const command: CommandMetadata = {
  tenantId: 't1',
  actor: { kind: 'scim-token', id: 'token-1' },
  requestId: 'r1',
  userAgent: 'Okta',
  clientAddress: '10.0.0.1',
  now: '2026-12-07T00:00:00.000Z',
};

describe('eventMetadata and the attributes a request sent that are not kept (rule A4)', () => {
  it('given none, when an event is stamped, then its metadata has no ignoredAttributes at all', () => {
    expect(eventMetadata({ ...command, ignoredAttributes: [] }, 1)).not.toHaveProperty('ignoredAttributes');
  });

  it('given a name twice, when stamped, then it is named once', () => {
    expect(eventMetadata({ ...command, ignoredAttributes: ['company', 'company', 'shoeSize'] }, 1).ignoredAttributes).toEqual(['company', 'shoeSize']);
  });

  it('given more names than the bound and one very long, when stamped, then the first ones, each at most 200 characters, and how many more', () => {
    const names = ['x'.repeat(1000), ...Array.from({ length: 29 }, (_, i) => `custom${i}`)];
    const stamped = eventMetadata({ ...command, ignoredAttributes: names }, 1).ignoredAttributes!;
    expect(stamped).toHaveLength(MAX_IGNORED_ATTRIBUTE_NAMES + 1);
    expect(stamped[0]).toBe(`${'x'.repeat(199)}…`);
    expect(stamped[MAX_IGNORED_ATTRIBUTE_NAMES]).toBe('…and 10 more');
  });
});
