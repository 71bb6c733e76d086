/** RFC 7644 §3.12 scimType values, and RFC 9865's for cursors. */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive'
  /** RFC 9865: a cursor the server did not issue or cannot resolve. */
  | 'invalidCursor';

export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

export interface ScimErrorBody {
  readonly schemas: [typeof SCIM_ERROR_SCHEMA];
  /** A string, as RFC 7644 §3.12 requires (Entra ID rejects a number). */
  readonly status: string;
  readonly scimType?: ScimType;
  readonly detail: string;
}

/** A refusal the client can act on; the HTTP layer renders it as a SCIM Error. */
export class ScimError extends Error {
  override readonly name = 'ScimError';
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: ScimType,
    /** Extra response headers, e.g. WWW-Authenticate or Retry-After. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail);
  }

  toBody(): ScimErrorBody {
    return {
      schemas: [SCIM_ERROR_SCHEMA],
      status: String(this.status),
      ...(this.scimType ? { scimType: this.scimType } : {}),
      detail: this.detail,
    };
  }
}
