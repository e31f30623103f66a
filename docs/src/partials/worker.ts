// What core's README block "Cloudflare Workers" leaves out: `env`, the Worker's bindings, which a Worker
// imports from 'cloudflare:workers' (`pnpm test:runtimes` runs the block in workerd with that import).
export const env = { WEAVIATE_API_KEY: process.env.WEAVIATE_API_KEY! };
