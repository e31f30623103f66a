import { withAuth as withAxiosAuth } from '@auth/axios';
import { withAuth as withFetchAuth } from '@auth/fetch';
import { withAuth as withGraphQLAuth } from '@auth/graphql-request';
import { withAuth as withKyAuth } from '@auth/ky';
import { type AdapterName, clientAdapters } from '@auth/test-utils/clients';

/** Our adapters, each driven through the shared client facade (@auth/test-utils): fetch, axios, ky 1, ky 2, graphql-request. */
export const facades = clientAdapters({
  fetch: withFetchAuth,
  axios: withAxiosAuth,
  ky: withKyAuth,
  graphqlRequest: withGraphQLAuth,
});

/** The row name of our adapter on each client. */
export const ourRowName: Record<AdapterName, string> = {
  fetch: '@auth/fetch',
  axios: '@auth/axios',
  'ky 1': '@auth/ky on ky 1',
  'ky 2': '@auth/ky on ky 2',
  'graphql-request': '@auth/graphql-request',
};
