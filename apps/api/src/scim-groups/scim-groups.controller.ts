import { Controller, Delete, Get, Param, Patch, Post, Put, UseGuards } from '@nestjs/common';
import { LIST_RESPONSE_SCHEMA, ScimError } from '@scim-ledger/scim';
import { ScimAuthGuard } from '../auth/scim-bearer.strategy';
import { SCIM_PREFIXES } from '../http/request-context';

/** What an administrator whose IdP pushes groups needs to read in its provisioning log. */
const GROUPS_NOT_SUPPORTED =
  'groups are not supported: scim-ledger provisions users only. Turn off group provisioning in the identity provider ' +
  '(Entra ID: disable the "Provision Microsoft Entra ID Groups" mapping; Okta: do not push groups); users assigned through a group are still provisioned';

/**
 * /Groups under both prefixes (rule T1), as a stub: groups are not
 * implemented and no Group resource type is advertised.
 *
 * Reads answer as for a service provider that has no groups, because Entra ID
 * queries a random group to test the connection and must get 200 with zero
 * results; writes get 501 Not Implemented, RFC 7644 §3.12's status for an
 * operation the service provider does not support.
 */
@Controller(SCIM_PREFIXES.map((prefix) => `${prefix}/Groups`))
@UseGuards(ScimAuthGuard)
export class ScimGroupsController {
  /**
   * No group exists, so every filter matches none (RFC 7644 §3.4.2: zero
   * matches is 200 with totalResults 0); filter, startIndex, count and
   * excludedAttributes=members are accepted and change nothing.
   */
  @Get()
  list() {
    return { schemas: [LIST_RESPONSE_SCHEMA], totalResults: 0, itemsPerPage: 0, startIndex: 1, Resources: [] };
  }

  @Get(':id')
  get(@Param('id') id: string) {
    throw new ScimError(404, `group "${id}" not found: ${GROUPS_NOT_SUPPORTED}`);
  }

  @Post()
  create() {
    throw notImplemented();
  }

  @Put(':id')
  replace() {
    throw notImplemented();
  }

  @Patch(':id')
  patch() {
    throw notImplemented();
  }

  @Delete(':id')
  delete() {
    throw notImplemented();
  }
}

function notImplemented(): ScimError {
  return new ScimError(501, GROUPS_NOT_SUPPORTED);
}
