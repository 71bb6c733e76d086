import { emailReservationStreamId } from './reservation/email-reservation.stream';
import { profileSeatsStreamId } from './profile-seats/profile-seats.stream';
import { provisioningRefusalsStreamId } from './provisioning/provisioning-refusals.stream';
import { streamOf } from './streams';
import { tenantIdOfStream, tenantStreamId } from './tenant/tenant.stream';
import { userIdOfStream, userStreamId } from './user/user.stream';

describe('stream names', () => {
  it('given an entity, when named, then its stream id is the one the event store has always held', () => {
    expect(userStreamId('u1')).toBe('user-u1');
    expect(tenantStreamId('t1')).toBe('tenant-t1');
    expect(emailReservationStreamId('ab12')).toBe('email-ab12');
    expect(profileSeatsStreamId('t1', 'staff')).toBe('profile-seats-t1/staff');
    expect(provisioningRefusalsStreamId('t1')).toBe('provisioning-refusals-t1');
  });

  it('given a stream id, when parsed, then the kind and entity it names', () => {
    expect(streamOf('user-0190-abc')).toEqual({ kind: 'user', userId: '0190-abc' });
    expect(streamOf('tenant-acme-eu')).toEqual({ kind: 'tenant', tenantId: 'acme-eu' });
    expect(streamOf('email-ab12')).toEqual({ kind: 'email-reservation', addressDigest: 'ab12' });
    expect(streamOf('profile-seats-t1/staff')).toEqual({ kind: 'profile-seats', tenantId: 't1', profileId: 'staff' });
    expect(streamOf('provisioning-refusals-t1')).toEqual({ kind: 'provisioning-refusals', tenantId: 't1' });
  });

  it('given a stream of another kind or of none, when parsed, then null', () => {
    expect(userIdOfStream('tenant-t1')).toBeNull();
    expect(tenantIdOfStream('user-u1')).toBeNull();
    expect(userIdOfStream('user-')).toBeNull();
    expect(streamOf('personal-data-key-user:u1')).toBeNull();
    expect(streamOf('$projections')).toBeNull();
    expect(streamOf('profile-seats-no-slash')).toBeNull();
  });
});
