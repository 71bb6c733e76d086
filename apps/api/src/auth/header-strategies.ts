import { BasicStrategy } from 'passport-http';
import { IStrategyOptions, Strategy as BearerStrategy, VerifyFunction, VerifyFunctionWithRequest } from 'passport-http-bearer';

type VerifyFunctions = VerifyFunction | VerifyFunctionWithRequest;
import { headerOnlyRequest } from './authorization-header';

/** passport-http-bearer reading the Authorization header only (never `?access_token=` or a body field). */
export class HeaderBearerStrategy extends BearerStrategy<VerifyFunctions> {
  constructor(...args: [VerifyFunction] | [IStrategyOptions, VerifyFunctions]) {
    super(...(args as [IStrategyOptions, VerifyFunctions]));
  }

  override authenticate(request: Parameters<BearerStrategy<VerifyFunctions>['authenticate']>[0], options?: object): void {
    super.authenticate(headerOnlyRequest(request as never), options);
  }
}

/** passport-http's Basic, fed the same canonical header as every other strategy. */
export class HeaderBasicStrategy extends BasicStrategy {
  override authenticate(request: Parameters<BasicStrategy['authenticate']>[0], options?: object): void {
    super.authenticate(headerOnlyRequest(request as never), options);
  }
}
