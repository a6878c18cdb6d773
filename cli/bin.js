#!/usr/bin/env node
// The gluekit command. Registers tsx so that job files (and gluekit's own sources)
// load as TypeScript without a build step; see docs/loader.md.
import { register } from 'tsx/esm/api';

// The AWS SDK warns on Node 20 about its releases after January 2027; gluekit pins its SDK
// versions, so the warning only tells users something they cannot act on.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
