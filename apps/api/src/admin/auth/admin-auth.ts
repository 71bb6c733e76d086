import { Inject, Injectable } from '@nestjs/common';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import { BasicStrategy } from 'passport-http';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import { DataSource } from 'typeorm';
import { ApiCredentialRow } from '@scim-ledger/read-model';
import { AdminProblem } from '../http/problem-details.filter';
import { sameHash, sha256Hex } from '../../auth/secret-hash';
import { APP_CONFIG, AppConfig, READ_MODEL } from '../../tokens';
import { AdminPrincipal } from './admin-principal';

const CHALLENGE = 'Basic realm="scim-ledger admin", Bearer realm="scim-ledger admin"';

/** The operator's bearer token, from ADMIN_OPERATOR_TOKEN. */
@Injectable()
export class OperatorStrategy extends PassportStrategy(BearerStrategy, 'admin-operator') {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    super();
  }

  validate(token: string): AdminPrincipal | false {
    const expected = this.config.adminOperatorToken;
    if (!expected || !sameHash(sha256Hex(token), sha256Hex(expected))) return false;
    return { kind: 'operator' };
  }
}

/** A tenant's API credential: HTTP Basic with client id and secret. */
@Injectable()
export class ApiCredentialStrategy extends PassportStrategy(BasicStrategy, 'admin-credential') {
  constructor(@Inject(READ_MODEL) private readonly dataSource: DataSource) {
    super();
  }

  async validate(clientId: string, secret: string): Promise<AdminPrincipal | false> {
    const credential = await this.dataSource.getRepository(ApiCredentialRow).findOneBy({ clientId });
    if (!credential || credential.revokedAt !== null || !sameHash(sha256Hex(secret), credential.secretHash)) return false;
    return { kind: 'tenant', tenantId: credential.tenantId, credentialId: credential.id };
  }
}

@Injectable()
export class AdminAuthGuard extends AuthGuard(['admin-operator', 'admin-credential']) {
  override handleRequest<T>(error: unknown, principal: T): T {
    if (error) throw error;
    if (!principal) {
      throw new AdminProblem(401, 'Unauthorized', 'send the operator token as Bearer, or a tenant API credential as Basic client id and secret', {}, {
        'WWW-Authenticate': CHALLENGE,
      });
    }
    return principal;
  }
}
