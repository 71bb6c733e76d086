import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import { randomBytes } from 'node:crypto';
import { AdminProblem } from '../../http/problem-details.filter';
import { sameHash, sha256Hex } from '@scim-ledger/platform';
import { HeaderBasicStrategy, HeaderBearerStrategy } from '../../auth/header-strategies';
import { failedAuthenticationRefusal } from '../../http/rate-limit';
import { APP_CONFIG, AppConfig } from '../../tokens';
import { TenantsReadModel } from '../../application/reading/tenants.read-model';
import { AdminPrincipal } from './admin-principal';

const CHALLENGE = 'Basic realm="scim-ledger admin", Bearer realm="scim-ledger admin"';

/**
 * What a secret is compared with when there is nothing to compare it with (no
 * such client id, or no operator token configured): the same hashing and
 * comparing runs, so the answer's timing does not tell which ids exist.
 */
const NOTHING_TO_MATCH = sha256Hex(randomBytes(32).toString('base64url'));

/** The operator's bearer token, from ADMIN_OPERATOR_TOKEN. */
@Injectable()
export class OperatorStrategy extends PassportStrategy(HeaderBearerStrategy, 'admin-operator') {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    super();
  }

  validate(token: string): AdminPrincipal | false {
    const expected = this.config.adminOperatorToken;
    const matches = sameHash(sha256Hex(token), expected === undefined ? NOTHING_TO_MATCH : sha256Hex(expected));
    if (expected === undefined || !matches) return false;
    return { kind: 'operator' };
  }
}

/** A tenant's API credential: HTTP Basic with client id and secret. */
@Injectable()
export class ApiCredentialStrategy extends PassportStrategy(HeaderBasicStrategy, 'admin-credential') {
  constructor(private readonly tenants: TenantsReadModel) {
    super();
  }

  async validate(clientId: string, secret: string): Promise<AdminPrincipal | false> {
    const credential = await this.tenants.apiCredentialByClientId(clientId);
    // Hashed and compared whether or not the id exists or is revoked (finding 6d of issue 15).
    const matches = sameHash(sha256Hex(secret), credential?.secretHash ?? NOTHING_TO_MATCH);
    if (!credential || credential.revokedAt !== null || !matches) return false;
    return { kind: 'tenant', tenantId: credential.tenantId, credentialId: credential.id };
  }
}

@Injectable()
export class AdminAuthGuard extends AuthGuard(['admin-operator', 'admin-credential']) {
  override handleRequest<T>(error: unknown, principal: T, _info: unknown, context: ExecutionContext): T {
    if (principal && !error) return principal;
    const refusal = failedAuthenticationRefusal(context.switchToHttp().getRequest());
    if (refusal) throw refusal;
    if (error) throw error;
    throw new AdminProblem(
      401,
      'Unauthorized',
      'send the operator token as Bearer, or a tenant API credential as Basic client id and secret',
      {},
      {
        'WWW-Authenticate': CHALLENGE,
      },
    );
  }
}
