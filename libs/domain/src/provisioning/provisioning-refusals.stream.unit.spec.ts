import { deciderSpec } from '../testing/decider-spec';
import { personalFieldsOf } from '../streams';
import { SHREDDED, tenantSubject, userSubject } from '../personal-data';
import { ProvisioningRefused } from './provisioning-refusal';
import { provisioningRefusalsStream, provisioningRefusalsStreamId } from './provisioning-refusals.stream';

const refusal = (userId: string | null): ProvisioningRefused['data'] => ({
  operation: userId ? 'patch' : 'create',
  userName: 'leo@acme.com',
  userId,
  reason: 'NoMappingMatched',
  status: 400,
  scimType: 'invalidValue',
  detail: 'None of the SCIM Mapping matched to create user.',
});

describe('the provisioning refusals stream (rule S2)', () => {
  const { given } = deciderSpec(provisioningRefusalsStream);

  it('given refusals recorded before, when another is recorded, then it is recorded as sent: none depends on the ones before', () => {
    given({ type: 'ProvisioningRefused', data: refusal(null) })
      .when({ type: 'RecordProvisioningRefusal', data: refusal('u-1') })
      .then([{ type: 'ProvisioningRefused', data: refusal('u-1') }]);
  });

  it("given a refused create and a refused PATCH, when their personal fields are asked for, then the create's belong to the tenant and the PATCH's to its user", () => {
    // Given
    const stream = provisioningRefusalsStreamId('acme');
    // When
    const create = personalFieldsOf(stream, { type: 'ProvisioningRefused', data: refusal(null) });
    const patch = personalFieldsOf(stream, { type: 'ProvisioningRefused', data: refusal('u-1') });
    // Then
    expect(create).toEqual({ subjectId: tenantSubject('acme'), placeholders: { userName: null, detail: SHREDDED } });
    expect(patch?.subjectId).toBe(userSubject('u-1'));
  });
});
