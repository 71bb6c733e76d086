import { ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Clock } from '@scim-ledger/platform';
import { ScimError } from '@scim-ledger/scim';
import { ProvisioningRefusals } from '../application/refusals/provisioning-refusals';
import { failedAuthenticationRefusal } from '../http/rate-limit';
import { HeaderBearerStrategy } from './header-strategies';
import { ScimPrincipal, ScimTokens } from './scim-tokens';
import { userAgentOf } from '../http/request-context';
import { refusalAnswered } from '../http/scim-exception.filter';
import { clientAddressOf } from '../http/client-address';

/** An IdP keeps calling with an expired token: its admin needs to see it, not every call of it. */
const EXPIRED_TOKEN_RECORDED_EVERY_MS = 3_600_000;

const CHALLENGE = 'Bearer realm="scim"';

/** Bearer token → tenant, through passport-http-bearer (RFC 7644 §2), from the Authorization header only. */
@Injectable()
export class ScimBearerStrategy extends PassportStrategy(HeaderBearerStrategy, 'scim-bearer') {
  /** When each expired token's refusal was last recorded, by this process. */
  private readonly expiredRecordedAt = new Map<string, number>();

  constructor(
    private readonly tokens: ScimTokens,
    private readonly refusals: ProvisioningRefusals,
    private readonly clock: Clock,
  ) {
    super({ passReqToCallback: true });
  }

  async validate(request: FastifyRequest, token: string): Promise<ScimPrincipal> {
    const check = await this.tokens.check(token);
    if (check.valid) return check.principal;
    if (check.reason === 'expired') {
      // Rule T3: an expired token stops provisioning until the admin makes a new one.
      const refusal = new ScimError(401, 'the SCIM token has expired: generate a new token and enter it in the identity provider', undefined, {
        'WWW-Authenticate': `${CHALLENGE}, error="invalid_token", error_description="token expired"`,
      });
      await this.recordExpired(request, check.principal, refusal);
      throw refusal;
    }
    throw new ScimError(401, 'the bearer token is not valid', undefined, { 'WWW-Authenticate': `${CHALLENGE}, error="invalid_token"` });
  }

  /** Rule S2: the admin sees that provisioning stopped on an expired token, at most hourly per token. */
  private async recordExpired(request: FastifyRequest, principal: ScimPrincipal, refusal: ScimError): Promise<void> {
    const now = this.clock.now();
    const last = this.expiredRecordedAt.get(principal.tokenId);
    if (last !== undefined && now.getTime() - last < EXPIRED_TOKEN_RECORDED_EVERY_MS) return;
    this.expiredRecordedAt.set(principal.tokenId, now.getTime());
    const metadata = {
      tenantId: principal.tenantId,
      actor: { kind: 'scim-token' as const, id: principal.tokenId },
      requestId: String(request.id),
      userAgent: userAgentOf(request),
      clientAddress: clientAddressOf(request),
      now: now.toISOString(),
    };
    const answered = refusalAnswered(refusal, 'TokenExpired');
    if (answered) await this.refusals.record(metadata, { operation: 'authenticate', userName: null, userId: null }, answered);
  }
}

@Injectable()
export class ScimAuthGuard extends AuthGuard('scim-bearer') {
  override handleRequest<T>(error: unknown, principal: T, _info: unknown, context: ExecutionContext): T {
    if (principal && !error) return principal;
    // An address over its failed-authentication limit: a wrong credential gets 429, a valid one was served above.
    const refusal = failedAuthenticationRefusal(context.switchToHttp().getRequest());
    if (refusal) throw refusal;
    if (error) throw error;
    throw new ScimError(401, 'a bearer token is required', undefined, { 'WWW-Authenticate': CHALLENGE });
  }
}
