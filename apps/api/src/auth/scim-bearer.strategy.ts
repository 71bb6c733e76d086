import { Injectable } from '@nestjs/common';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-http-bearer';
import { ScimError } from '@scim-ledger/scim';
import { ScimPrincipal, ScimTokens } from './scim-tokens';

const CHALLENGE = 'Bearer realm="scim"';

/** Bearer token → tenant, through passport-http-bearer (RFC 7644 §2). */
@Injectable()
export class ScimBearerStrategy extends PassportStrategy(Strategy, 'scim-bearer') {
  constructor(private readonly tokens: ScimTokens) {
    super();
  }

  async validate(token: string): Promise<ScimPrincipal> {
    const check = await this.tokens.check(token);
    if (check.valid) return check.principal;
    if (check.reason === 'expired') {
      // Rule T3: an expired token stops provisioning until the admin makes a new one.
      throw new ScimError(401, 'the SCIM token has expired: generate a new token and enter it in the identity provider', undefined, {
        'WWW-Authenticate': `${CHALLENGE}, error="invalid_token", error_description="token expired"`,
      });
    }
    throw new ScimError(401, 'the bearer token is not valid', undefined, { 'WWW-Authenticate': `${CHALLENGE}, error="invalid_token"` });
  }
}

@Injectable()
export class ScimAuthGuard extends AuthGuard('scim-bearer') {
  override handleRequest<T>(error: unknown, principal: T): T {
    if (error) throw error;
    if (!principal) throw new ScimError(401, 'a bearer token is required', undefined, { 'WWW-Authenticate': CHALLENGE });
    return principal;
  }
}
