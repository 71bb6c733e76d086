import type { AppConfig } from '@scim-ledger/platform';

/** Nest injection tokens of what the app is wired with. */
export const APP_CONFIG = Symbol('APP_CONFIG');
export const READ_MODEL = Symbol('READ_MODEL');
export type { AppConfig };
