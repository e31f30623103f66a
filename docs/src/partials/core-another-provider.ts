// What core's README block "Another OpenID Provider" leaves out: the imports, and a user name and password
// from the reader's configuration.
import { createAuth, oidcPassword } from '@auth/core';

export { createAuth, oidcPassword };
export const username = process.env.WEAVIATE_USERNAME!;
export const password = process.env.WEAVIATE_PASSWORD!;
