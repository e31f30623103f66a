import pkg from '../package.json' with { type: 'json' };

/** The version of @auth/cli. */
export const VERSION: string = pkg.version;
