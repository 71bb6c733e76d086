import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { UserMembershipChange } from '@scim-ledger/domain';
import { userMembershipChanges } from '@scim-ledger/read-model';
import { READ_MODEL } from '../../tokens';

/** A user's membership changes (rule G2), as the read model keeps them per member: what its history adds to its own stream. */
@Injectable()
export class MembershipChangesReadModel {
  constructor(@Inject(READ_MODEL) private readonly readModel: DataSource) {}

  of(tenantId: string, userId: string): Promise<UserMembershipChange[]> {
    return userMembershipChanges(this.readModel, userId, tenantId);
  }
}
